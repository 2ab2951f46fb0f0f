/*
 * Intel 82540EM (e1000) register map, bit fields and descriptor layouts, as
 * named in the PCI/PCI-X Family of Gigabit Ethernet Controllers Software
 * Developer's Manual (8254x SDM): §13 (registers), §3 (descriptors), §5
 * (EEPROM) and the PHY registers of §13.5. Shared by the device and its tests.
 */
#ifndef HW_NET_E1000_REGS_H
#define HW_NET_E1000_REGS_H

#define TYPE_E1000 "e1000"
#define E1000_VENDOR_ID 0x8086
#define E1000_DEVICE_ID_82540EM 0x100e

#define E1000_MMIO_SIZE 0x20000 /* BAR0 */
#define E1000_IO_SIZE 0x40      /* BAR1: IOADDR, IODATA (§13.2) */
#define E1000_IOADDR 0x00
#define E1000_IODATA 0x04

/* Register offsets in BAR0 (§13.4, table 13-2). */
enum {
    E1000_CTRL = 0x0000,
    E1000_STATUS = 0x0008,
    E1000_EECD = 0x0010,
    E1000_EERD = 0x0014,
    E1000_CTRL_EXT = 0x0018,
    E1000_FLA = 0x001c,
    E1000_MDIC = 0x0020,
    E1000_FCAL = 0x0028,
    E1000_FCAH = 0x002c,
    E1000_FCT = 0x0030,
    E1000_VET = 0x0038,
    E1000_ICR = 0x00c0,
    E1000_ITR = 0x00c4,
    E1000_ICS = 0x00c8,
    E1000_IMS = 0x00d0,
    E1000_IMC = 0x00d8,
    E1000_RCTL = 0x0100,
    E1000_FCTTV = 0x0170,
    E1000_TXCW = 0x0178,
    E1000_RXCW = 0x0180,
    E1000_TCTL = 0x0400,
    E1000_TIPG = 0x0410,
    E1000_AIFS = 0x0458,
    E1000_LEDCTL = 0x0e00,
    E1000_PBA = 0x1000,
    E1000_FCRTL = 0x2160,
    E1000_FCRTH = 0x2168,
    E1000_RDBAL = 0x2800,
    E1000_RDBAH = 0x2804,
    E1000_RDLEN = 0x2808,
    E1000_RDH = 0x2810,
    E1000_RDT = 0x2818,
    E1000_RDTR = 0x2820,
    E1000_RXDCTL = 0x2828,
    E1000_RADV = 0x282c,
    E1000_RSRPD = 0x2c00,
    E1000_TXDMAC = 0x3000,
    E1000_TDBAL = 0x3800,
    E1000_TDBAH = 0x3804,
    E1000_TDLEN = 0x3808,
    E1000_TDH = 0x3810,
    E1000_TDT = 0x3818,
    E1000_TIDV = 0x3820,
    E1000_TXDCTL = 0x3828,
    E1000_TADV = 0x382c,
    E1000_TSPMT = 0x3830,
    E1000_STATS_FIRST = 0x4000, /* statistics: 0x4000-0x40fc, clear on read */
    E1000_MPC = 0x4010,
    E1000_GPRC = 0x4074,
    E1000_BPRC = 0x4078,
    E1000_MPRC = 0x407c,
    E1000_GPTC = 0x4080,
    E1000_GORCL = 0x4088,
    E1000_GORCH = 0x408c,
    E1000_GOTCL = 0x4090,
    E1000_GOTCH = 0x4094,
    E1000_RNBC = 0x40a0,
    E1000_ROC = 0x40ac,
    E1000_TORL = 0x40c0,
    E1000_TORH = 0x40c4,
    E1000_TOTL = 0x40c8,
    E1000_TOTH = 0x40cc,
    E1000_TPR = 0x40d0,
    E1000_TPT = 0x40d4,
    E1000_MPTC = 0x40f0,
    E1000_BPTC = 0x40f4,
    E1000_TSCTC = 0x40f8,
    E1000_STATS_LAST = 0x40fc,
    E1000_RXCSUM = 0x5000,
    E1000_MTA = 0x5200,  /* 128 entries */
    E1000_RAL0 = 0x5400, /* RAL/RAH pairs, 16 entries */
    E1000_RAH0 = 0x5404,
    E1000_VFTA = 0x5600, /* 128 entries */
    E1000_WUC = 0x5800,
    E1000_WUFC = 0x5808,
    E1000_WUS = 0x5810,
    E1000_MANC = 0x5820,
    E1000_IPAV = 0x5838,
    E1000_IP4AT = 0x5840,
    E1000_IP6AT = 0x5880,
    E1000_WUPL = 0x5900,
    E1000_WUPM = 0x5a00,
    E1000_FFLT = 0x5f00,
    E1000_FFMT = 0x9000,
    E1000_FFVT = 0x9800,
};

#define E1000_MTA_ENTRIES 128
#define E1000_RA_ENTRIES 16
#define E1000_VFTA_ENTRIES 128

/* CTRL */
#define E1000_CTRL_FD (1u << 0)
#define E1000_CTRL_ASDE (1u << 5)
#define E1000_CTRL_SLU (1u << 6)
#define E1000_CTRL_SPD_1000 (2u << 8)
#define E1000_CTRL_RST (1u << 26)
#define E1000_CTRL_VME (1u << 30)
#define E1000_CTRL_PHY_RST (1u << 31)

/* STATUS */
#define E1000_STATUS_FD (1u << 0)
#define E1000_STATUS_LU (1u << 1)
#define E1000_STATUS_SPEED_1000 (2u << 6)
#define E1000_STATUS_ASDV_1000 (2u << 8)

/* EECD: the Microwire pins and the software access handshake (§5.3.1). */
#define E1000_EECD_SK (1u << 0)
#define E1000_EECD_CS (1u << 1)
#define E1000_EECD_DI (1u << 2)
#define E1000_EECD_DO (1u << 3)
#define E1000_EECD_FWE_MASK (3u << 4)
#define E1000_EECD_REQ (1u << 6)
#define E1000_EECD_GNT (1u << 7)
#define E1000_EECD_PRES (1u << 8)
#define E1000_EECD_SIZE (1u << 9) /* 0: 64 words (93C46) */

/* EERD */
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE (1u << 4)
#define E1000_EERD_ADDR_SHIFT 8
#define E1000_EERD_DATA_SHIFT 16

/* MDIC */
#define E1000_MDIC_DATA_MASK 0xffffu
#define E1000_MDIC_REG_SHIFT 16
#define E1000_MDIC_PHY_SHIFT 21
#define E1000_MDIC_OP_WRITE (1u << 26)
#define E1000_MDIC_OP_READ (2u << 26)
#define E1000_MDIC_READY (1u << 28)
#define E1000_MDIC_INT_EN (1u << 29)
#define E1000_MDIC_ERROR (1u << 30)

/* Interrupt causes: ICR, ICS, IMS, IMC (§13.4.17-21). */
#define E1000_ICR_TXDW (1u << 0)
#define E1000_ICR_TXQE (1u << 1)
#define E1000_ICR_LSC (1u << 2)
#define E1000_ICR_RXSEQ (1u << 3)
#define E1000_ICR_RXDMT0 (1u << 4)
#define E1000_ICR_RXO (1u << 6)
#define E1000_ICR_RXT0 (1u << 7)
#define E1000_ICR_MDAC (1u << 9)
#define E1000_ICR_RXCFG (1u << 10)
#define E1000_ICR_PHYINT (1u << 12)
#define E1000_ICR_GPI_SDP6 (1u << 13)
#define E1000_ICR_GPI_SDP7 (1u << 14)
#define E1000_ICR_TXD_LOW (1u << 15)
#define E1000_ICR_SRPD (1u << 16)
#define E1000_ICR_ALL 0x1f6dfu

/* RCTL */
#define E1000_RCTL_EN (1u << 1)
#define E1000_RCTL_UPE (1u << 3)
#define E1000_RCTL_MPE (1u << 4)
#define E1000_RCTL_LPE (1u << 5)
#define E1000_RCTL_RDMTS_SHIFT 8
#define E1000_RCTL_MO_SHIFT 12
#define E1000_RCTL_BAM (1u << 15)
#define E1000_RCTL_BSIZE_SHIFT 16
#define E1000_RCTL_VFE (1u << 18)
#define E1000_RCTL_BSEX (1u << 25)
#define E1000_RCTL_SECRC (1u << 26)

/* TCTL */
#define E1000_TCTL_EN (1u << 1)

/* RAH */
#define E1000_RAH_AV (1u << 31)

/* RDTR and TIDV: flush partial descriptor block */
#define E1000_DELAY_FPD (1u << 31)

/* Legacy transmit descriptor (§3.3.3): CMD and STA bytes. */
#define E1000_TXD_CMD_EOP (1u << 0)
#define E1000_TXD_CMD_IFCS (1u << 1)
#define E1000_TXD_CMD_IC (1u << 2)
#define E1000_TXD_CMD_RS (1u << 3)
#define E1000_TXD_CMD_DEXT (1u << 5)
#define E1000_TXD_CMD_VLE (1u << 6)
#define E1000_TXD_CMD_IDE (1u << 7)
#define E1000_TXD_STA_DD (1u << 0)
/* Extended descriptors (§3.3.6-7): DTYP, TSE, TUCMD and POPTS. */
#define E1000_TXD_DTYP_CONTEXT 0
#define E1000_TXD_DTYP_DATA 1
#define E1000_TXD_CMD_TSE (1u << 2)
#define E1000_TXD_TUCMD_TCP (1u << 0)
#define E1000_TXD_TUCMD_IP (1u << 1)
#define E1000_TXD_POPTS_IXSM (1u << 0)
#define E1000_TXD_POPTS_TXSM (1u << 1)

/* Receive descriptor (§3.2.3): status and errors. */
#define E1000_RXD_STAT_DD (1u << 0)
#define E1000_RXD_STAT_EOP (1u << 1)
#define E1000_RXD_STAT_IXSM (1u << 2)
#define E1000_RXD_STAT_VP (1u << 3)
#define E1000_RXD_STAT_TCPCS (1u << 5)
#define E1000_RXD_STAT_IPCS (1u << 6)
#define E1000_RXD_ERR_TCPE (1u << 5)
#define E1000_RXD_ERR_IPE (1u << 6)

/* RXCSUM */
#define E1000_RXCSUM_IPOFLD (1u << 8)
#define E1000_RXCSUM_TUOFLD (1u << 9)

#define E1000_DESC_SIZE 16

/* EEPROM words (§5.6): MAC address in 0-2, checksum word 0x3f. */
#define E1000_EEPROM_WORDS 64
#define E1000_EEPROM_CHECKSUM_WORD 0x3f
#define E1000_EEPROM_SUM 0xbaba
#define E1000_EEPROM_READ_OPCODE 0x6 /* start bit, then 10b */

/* PHY (M88E1011-compatible, address 1) registers and bits (§13.5). */
#define E1000_PHY_ADDR 1
enum {
    E1000_PHY_CTRL = 0x00,
    E1000_PHY_STATUS = 0x01,
    E1000_PHY_ID1 = 0x02,
    E1000_PHY_ID2 = 0x03,
    E1000_PHY_AUTONEG_ADV = 0x04,
    E1000_PHY_LP_ABILITY = 0x05,
    E1000_PHY_AUTONEG_EXP = 0x06,
    E1000_PHY_NEXT_PAGE_TX = 0x07,
    E1000_PHY_LP_NEXT_PAGE = 0x08,
    E1000_PHY_1000T_CTRL = 0x09,
    E1000_PHY_1000T_STATUS = 0x0a,
    E1000_PHY_EXT_STATUS = 0x0f,
    E1000_PHY_SPEC_CTRL = 0x10,
    E1000_PHY_SPEC_STATUS = 0x11,
    E1000_PHY_INT_ENABLE = 0x12,
    E1000_PHY_INT_STATUS = 0x13,
    E1000_PHY_EXT_SPEC_CTRL = 0x14,
    E1000_PHY_RX_ERR_CNTR = 0x15,
    E1000_PHY_REGS = 0x20,
};
#define E1000_PHY_CTRL_RESTART_AUTONEG (1u << 9)
#define E1000_PHY_CTRL_AUTONEG_EN (1u << 12)
#define E1000_PHY_CTRL_RESET (1u << 15)
#define E1000_PHY_STATUS_LINK (1u << 2)
#define E1000_PHY_STATUS_AUTONEG_DONE (1u << 5)
#define E1000_PHY_SPEC_STATUS_LINK (1u << 10)

#endif
