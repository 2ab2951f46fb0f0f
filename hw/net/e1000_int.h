/*
 * The e1000's state and the helpers its two halves share: e1000.c (registers,
 * EEPROM, PHY, interrupts, receive, the PCI device) and e1000_tx.c (the
 * transmit descriptor ring, checksum insertion and TCP segmentation).
 * Private to hw/net/.
 */
#ifndef HW_NET_E1000_INT_H
#define HW_NET_E1000_INT_H

#include "hw/net/e1000_regs.h"
#include "hw/pci/pci.h"
#include "net/checksum.h"
#include "net/net.h"
#include "system/timer.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_ZLEN 60 /* shortest frame without FCS; shorter ones are padded */
#define ETH_FCS_LEN 4
#define VLAN_HLEN 4
#define E1000_MAX_STD_FRAME 1514 /* without FCS, for RCTL.LPE clear */
#define E1000_MAX_RX_FRAME 16384
#define E1000_TX_HDR_MAX 255 /* HDRLEN is 8 bits */
#define E1000_TX_BUF_SIZE (E1000_TX_HDR_MAX + 65535 + 1)
#define E1000_PKT_DELAY_NS 1024 /* RDTR, RADV, TIDV, TADV count 1.024 us */
#define E1000_ITR_UNIT_NS 256

#define REG(s, off) ((s)->regs[(off) >> 2])

typedef struct E1000State E1000State;

/* A delayed interrupt cause: a timer restarted by each event, and an absolute one. */
typedef struct E1000Delay {
    E1000State *s;
    Timer packet, absolute;
    uint32_t packet_reg, absolute_reg, cause;
} E1000Delay;

/* The checksum and segmentation context of the last TCP/IP context descriptor (§3.3.6). */
typedef struct E1000TxContext {
    uint8_t ipcss, ipcso, tucss, tucso, tucmd, hdr_len;
    uint16_t ipcse, tucse, mss;
} E1000TxContext;

/* The packet being gathered from transmit descriptors. */
typedef struct E1000TxPacket {
    E1000TxContext ctx; /* the context when its first descriptor was seen */
    bool started;       /* its first descriptor was seen */
    bool legacy;
    bool tse;      /* segment it (TSE in the first data descriptor) */
    bool broken;   /* too long, or data outside RAM: drop at EOP */
    uint8_t popts; /* IXSM/TXSM of the first data descriptor */
    uint8_t legacy_cmd, legacy_cso, legacy_css;
    bool vle;
    uint16_t vlan;
    size_t len;
    unsigned frames;                  /* TSO: segments sent so far */
    uint32_t payload_sent;            /* TSO: payload bytes in them */
    uint8_t header[E1000_TX_HDR_MAX]; /* TSO: the prototype header */
    uint8_t data[E1000_TX_BUF_SIZE];
} E1000TxPacket;

struct E1000State {
    PCIDevice parent;
    MemoryRegion mmio, io;
    NICConf conf;
    char *mac_str;
    NICState *nic;

    uint32_t regs[E1000_MMIO_SIZE / 4];
    uint16_t eeprom[E1000_EEPROM_WORDS];
    uint16_t phy[E1000_PHY_REGS];
    uint32_t ioaddr;

    /* Microwire EEPROM state (§5.3.1): bits shifted in, then a word shifted out. */
    struct {
        uint32_t eecd; /* what the driver last wrote */
        uint16_t in;
        unsigned in_bits;
        bool reading;
        uint8_t addr;
        unsigned out_bit; /* of the word at addr, from bit 15 down; 16: the dummy 0 */
    } ee;

    bool irq_level;
    int64_t irq_next_ns; /* ITR: no new assertion before this */
    Timer itr_timer;
    E1000Delay rx_delay, tx_delay;

    E1000TxContext tx_ctx;
    E1000TxPacket tx;
    bool tx_waiting; /* the backend queued our last frame */
    bool tx_running; /* in e1000_tx_kick: a nested kick (from the backend) waits */
    uint8_t rx_frame[E1000_MAX_RX_FRAME + ETH_FCS_LEN];
};

/* Network byte order; descriptors are little-endian (pci_get_word and friends). */
static inline uint16_t get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return ((uint32_t)get_be16(p) << 16) | get_be16(p + 2);
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    put_be16(p, v >> 16);
    put_be16(p + 2, v);
}

/* A descriptor ring: its entries from the length register, its base from the BAL/BAH pair. */
static inline unsigned e1000_ring_size(E1000State *s, uint32_t len_reg)
{
    return REG(s, len_reg) / E1000_DESC_SIZE;
}

static inline uint64_t e1000_ring_base(E1000State *s, uint32_t bal_reg)
{
    return ((uint64_t)REG(s, bal_reg + 4) << 32) | (REG(s, bal_reg) & ~0xfu);
}

/* e1000.c */
bool e1000_dma(E1000State *s, uint64_t addr, void *buf, size_t len, bool is_write);
void e1000_set_ics(E1000State *s, uint32_t cause);
void e1000_delay_event(E1000Delay *d);
void e1000_delay_cancel(E1000Delay *d);
void e1000_stat_inc(E1000State *s, uint32_t reg);
void e1000_count_frame(E1000State *s, bool tx, const uint8_t *frame, size_t len);

/* e1000_tx.c */
/* Work through the transmit ring from TDH to TDT (§3.4). */
void e1000_tx_kick(E1000State *s);
/* Forget the context and any half-gathered packet. */
void e1000_tx_reset(E1000State *s);

#endif
