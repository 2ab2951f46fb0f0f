/*
 * e1000 transmit (8254x SDM §3.3-3.5): the descriptor ring from TDH to TDT,
 * legacy descriptors with the IC checksum, TCP/IP context and data
 * descriptors with IP and TCP/UDP checksum insertion and TCP segmentation
 * (§3.5: headers fixed per segment), VLAN tag insertion, write-back of DD
 * for RS and the TXDW/TXQE causes (TXDW delayed by TIDV/TADV for IDE).
 * A packet is gathered into one buffer; a TSO packet is cut into segments
 * as its buffer fills, so a 64 KiB payload never needs more than header +
 * MSS. Anything out of range (lengths, offsets, buffers outside RAM) drops
 * the packet or skips the checksum; the ring goes on.
 */
#include "e1000_int.h"
#include "util/log.h"

/* ---- checksums and segmentation ---- */

/*
 * Sum bytes start..end (inclusive; end 0 means the last byte) with extra
 * added in, store the complement at offset. Out-of-range offsets insert
 * nothing (§3.3.6: "the checksum is not inserted").
 */
static void e1000_insert_csum(uint8_t *frame, size_t len, unsigned start, unsigned offset,
                              unsigned end, uint32_t extra, bool udp)
{
    size_t stop = (end == 0 || end >= len) ? len : end + 1;
    uint16_t sum;

    if (start >= stop || offset + 2 > len) {
        return;
    }
    sum = ~net_checksum_fold(net_checksum_add(extra, frame + start, stop - start));
    if (udp && sum == 0) {
        sum = 0xffff; /* RFC 768: 0 means "no checksum" */
    }
    put_be16(frame + offset, sum);
}

static void e1000_tx_offload_csums(E1000State *s, uint8_t *frame, size_t len, uint32_t tcp_extra)
{
    const E1000TxContext *c = &s->tx.ctx;

    if (s->tx.popts & E1000_TXD_POPTS_IXSM) {
        e1000_insert_csum(frame, len, c->ipcss, c->ipcso, c->ipcse, 0, false);
    }
    if (s->tx.popts & E1000_TXD_POPTS_TXSM) {
        e1000_insert_csum(frame, len, c->tucss, c->tucso, c->tucse, tcp_extra,
                          !(c->tucmd & E1000_TXD_TUCMD_TCP));
    }
}

static void e1000_tx_sent(NetClient *nc, ssize_t ret)
{
    E1000State *s = ((NICState *)nc)->opaque;

    s->tx_waiting = false;
    e1000_tx_kick(s);
}

/* One frame to the backend, with a VLAN tag inserted when asked (§3.3.3.3). */
static void e1000_tx_send(E1000State *s, const uint8_t *frame, size_t len)
{
    uint8_t tag[VLAN_HLEN];
    struct iovec iov[3] = {{(void *)frame, len}};
    int iovcnt = 1;

    if (len < ETH_HLEN) {
        return;
    }
    if (s->tx.vle && (REG(s, E1000_CTRL) & E1000_CTRL_VME)) {
        put_be16(tag, REG(s, E1000_VET));
        put_be16(tag + 2, s->tx.vlan);
        iov[0].iov_len = 12;
        iov[1] = (struct iovec){tag, sizeof(tag)};
        iov[2] = (struct iovec){(void *)(frame + 12), len - 12};
        iovcnt = 3;
    }
    e1000_count_frame(s, true, frame, len);
    if (s->nic && net_send_iov_async(&s->nic->nc, iov, iovcnt, e1000_tx_sent) == 0) {
        s->tx_waiting = true;
    }
}

/*
 * One TSO segment: the prototype header with its lengths, IP identification,
 * TCP sequence number and flags fixed for this segment (§3.5.9), then
 * payload bytes of payload. The TCP/UDP checksum field holds the
 * pseudo-header sum without the length, which is added here.
 */
static void e1000_tso_send_segment(E1000State *s, size_t payload, bool last)
{
    const E1000TxContext *c = &s->tx.ctx;
    uint8_t *f = s->tx.data;
    size_t len = c->hdr_len + payload;
    bool tcp = c->tucmd & E1000_TXD_TUCMD_TCP;

    if (c->tucmd & E1000_TXD_TUCMD_IP) {
        if (c->ipcss + 6 <= c->hdr_len) {
            put_be16(f + c->ipcss + 2, len - c->ipcss);
            put_be16(f + c->ipcss + 4, get_be16(s->tx.header + c->ipcss + 4) + s->tx.frames);
        }
    } else if (c->ipcss + 6 <= c->hdr_len) {
        put_be16(f + c->ipcss + 4, len - c->ipcss - 40); /* IPv6 payload length */
    }
    if (tcp && c->tucss + 14 <= c->hdr_len) {
        put_be32(f + c->tucss + 4, get_be32(s->tx.header + c->tucss + 4) + s->tx.payload_sent);
        if (!last) {
            f[c->tucss + 13] &= ~0x09; /* FIN and PSH only in the last segment */
        }
    } else if (!tcp && c->tucss + 6 <= c->hdr_len) {
        put_be16(f + c->tucss + 4, len - c->tucss);
    }
    e1000_tx_offload_csums(s, f, len, len - c->tucss);
    e1000_tx_send(s, f, len);
    s->tx.frames++;
    s->tx.payload_sent += payload;
    memcpy(f, s->tx.header, c->hdr_len);
}

static bool e1000_tso_usable(E1000State *s)
{
    const E1000TxContext *c = &s->tx.ctx;

    return c->mss && c->hdr_len && c->hdr_len + c->mss <= E1000_TX_BUF_SIZE;
}

/* Gather len bytes at addr into the packet, cutting TSO segments as they fill. */
static void e1000_tx_gather(E1000State *s, uint64_t addr, size_t len)
{
    E1000TxPacket *t = &s->tx;
    const E1000TxContext *c = &t->ctx;
    size_t limit = t->tse ? c->hdr_len + c->mss : E1000_TX_BUF_SIZE;

    while (len && !t->broken) {
        size_t chunk;

        /* A full segment goes once more data follows: the last one keeps FIN and PSH. */
        if (t->tse && t->len == limit) {
            e1000_tso_send_segment(s, c->mss, false);
            t->len = c->hdr_len;
        }
        chunk = MIN(len, limit - t->len);
        if (chunk == 0) {
            log_mask_printf(LOG_GUEST_ERROR, "e1000: transmit packet over %zu bytes dropped\n",
                            limit);
            t->broken = true;
            break;
        }
        if (!e1000_dma(s, addr, t->data + t->len, chunk, false)) {
            t->broken = true;
            break;
        }
        if (t->tse && t->len < c->hdr_len && t->len + chunk >= c->hdr_len) {
            memcpy(t->header, t->data, c->hdr_len);
        }
        t->len += chunk;
        addr += chunk;
        len -= chunk;
    }
}

/* EOP: send what is left of the packet. */
static void e1000_tx_finish(E1000State *s)
{
    E1000TxPacket *t = &s->tx;
    const E1000TxContext *c = &t->ctx;

    if (t->broken) {
        return;
    }
    if (t->tse) {
        if (t->len < c->hdr_len) {
            log_mask_printf(LOG_GUEST_ERROR, "e1000: TSO packet shorter than its header\n");
        } else if (t->len > c->hdr_len || t->frames == 0) {
            e1000_tso_send_segment(s, t->len > c->hdr_len ? t->len - c->hdr_len : 0, true);
        }
        e1000_stat_inc(s, E1000_TSCTC);
        return;
    }
    if (t->legacy) {
        if (t->legacy_cmd & E1000_TXD_CMD_IC) {
            e1000_insert_csum(t->data, t->len, t->legacy_css, t->legacy_cso, 0, 0, false);
        }
    } else {
        e1000_tx_offload_csums(s, t->data, t->len, 0);
    }
    e1000_tx_send(s, t->data, t->len);
}

/* ---- descriptors ---- */

static void e1000_tx_context(E1000State *s, const uint8_t *d)
{
    E1000TxContext *c = &s->tx_ctx;

    c->ipcss = d[0];
    c->ipcso = d[1];
    c->ipcse = pci_get_word(d + 2);
    c->tucss = d[4];
    c->tucso = d[5];
    c->tucse = pci_get_word(d + 6);
    c->tucmd = d[11];
    c->hdr_len = d[13];
    c->mss = pci_get_word(d + 14);
}

/* The first descriptor of a packet sets its options; the EOP one ends it. */
static void e1000_tx_data(E1000State *s, const uint8_t *d, bool legacy)
{
    E1000TxPacket *t = &s->tx;
    uint8_t cmd = d[11];
    size_t len = legacy ? pci_get_word(d + 8) : (pci_get_long(d + 8) & 0xfffff);

    if (!t->started) {
        t->started = true;
        t->ctx = s->tx_ctx;
        t->legacy = legacy;
        t->tse = !legacy && (cmd & E1000_TXD_CMD_TSE) && e1000_tso_usable(s);
        t->popts = legacy ? 0 : d[13];
        t->legacy_cmd = cmd;
        t->legacy_cso = d[10];
        t->legacy_css = d[13];
        t->vle = cmd & E1000_TXD_CMD_VLE;
        t->vlan = pci_get_word(d + 14);
    }
    /* VLAN fields come from the first descriptor with TSE, else from the last (§3.3.7.1). */
    if ((cmd & E1000_TXD_CMD_EOP) && !t->tse) {
        t->vle = cmd & E1000_TXD_CMD_VLE;
        t->vlan = pci_get_word(d + 14);
    }
    e1000_tx_gather(s, pci_get_quad(d), len);
    if (cmd & E1000_TXD_CMD_EOP) {
        e1000_tx_finish(s);
        memset(t, 0, offsetof(E1000TxPacket, header));
    }
}

/* Process one descriptor; true when it asked for a status write-back (RS). */
static bool e1000_tx_descriptor(E1000State *s, uint8_t *d)
{
    uint8_t cmd = d[11];
    unsigned dtyp = (pci_get_long(d + 8) >> 20) & 0xf;

    if (!(cmd & E1000_TXD_CMD_DEXT)) {
        e1000_tx_data(s, d, true);
    } else if (dtyp == E1000_TXD_DTYP_CONTEXT) {
        e1000_tx_context(s, d);
    } else if (dtyp == E1000_TXD_DTYP_DATA) {
        e1000_tx_data(s, d, false);
    } else {
        log_mask_printf(LOG_GUEST_ERROR, "e1000: transmit descriptor type %u ignored\n", dtyp);
    }
    return cmd & E1000_TXD_CMD_RS;
}

static bool e1000_tx_ready(E1000State *s)
{
    return (REG(s, E1000_TCTL) & E1000_TCTL_EN) &&
           (pci_get_word(s->parent.config + PCI_COMMAND) & PCI_COMMAND_MASTER);
}

void e1000_tx_kick(E1000State *s)
{
    unsigned n = e1000_ring_size(s, E1000_TDLEN);
    uint64_t base = e1000_ring_base(s, E1000_TDBAL);
    uint32_t cause = 0;
    bool delayed = false, processed = false;

    if (s->tx_running || !e1000_tx_ready(s) || REG(s, E1000_TDT) >= n || REG(s, E1000_TDH) >= n) {
        return;
    }
    s->tx_running = true;
    while (!s->tx_waiting && REG(s, E1000_TDH) != REG(s, E1000_TDT)) {
        uint64_t addr = base + (uint64_t)REG(s, E1000_TDH) * E1000_DESC_SIZE;
        uint8_t d[E1000_DESC_SIZE];

        if (!e1000_dma(s, addr, d, sizeof(d), false)) {
            break;
        }
        if (e1000_tx_descriptor(s, d)) {
            d[12] |= E1000_TXD_STA_DD;
            e1000_dma(s, addr + 12, d + 12, 1, true);
            if (d[11] & E1000_TXD_CMD_IDE) {
                delayed = true;
            } else {
                cause |= E1000_ICR_TXDW;
            }
        }
        REG(s, E1000_TDH) = (REG(s, E1000_TDH) + 1) % n;
        processed = true;
    }
    s->tx_running = false;
    if (processed && REG(s, E1000_TDH) == REG(s, E1000_TDT)) {
        cause |= E1000_ICR_TXQE;
    }
    if (delayed && !(cause & E1000_ICR_TXDW)) {
        e1000_delay_event(&s->tx_delay);
    } else if (cause & E1000_ICR_TXDW) {
        e1000_delay_cancel(&s->tx_delay);
    }
    if (cause) {
        e1000_set_ics(s, cause);
    }
}

void e1000_tx_reset(E1000State *s)
{
    memset(&s->tx_ctx, 0, sizeof(s->tx_ctx));
    memset(&s->tx, 0, offsetof(E1000TxPacket, header));
    s->tx_waiting = false;
    s->tx_running = false;
}
