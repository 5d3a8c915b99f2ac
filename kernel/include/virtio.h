#ifndef PAGODA_VIRTIO_H
#define PAGODA_VIRTIO_H
/*
 * Virtio over MMIO, modern interface only (virtio 1.1/1.2, section 4.2.2),
 * split virtqueues (section 2.6 in 1.1, 2.7 in 1.2) and the block device
 * (section 5.2). All multi-byte fields are little-endian, as is RISC-V.
 */
#include "types.h"

/* ---- MMIO registers: byte offsets from the slot's base ----------------- */
enum virtio_mmio_reg {
	VIRTIO_MMIO_MAGIC_VALUE       = 0x000,
	VIRTIO_MMIO_VERSION           = 0x004,
	VIRTIO_MMIO_DEVICE_ID         = 0x008,
	VIRTIO_MMIO_VENDOR_ID         = 0x00c,
	VIRTIO_MMIO_DEVICE_FEATURES   = 0x010,
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
	VIRTIO_MMIO_DRIVER_FEATURES   = 0x020,
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
	VIRTIO_MMIO_QUEUE_SEL         = 0x030,
	VIRTIO_MMIO_QUEUE_NUM_MAX     = 0x034,
	VIRTIO_MMIO_QUEUE_NUM         = 0x038,
	VIRTIO_MMIO_QUEUE_READY       = 0x044,
	VIRTIO_MMIO_QUEUE_NOTIFY      = 0x050,
	VIRTIO_MMIO_INTERRUPT_STATUS  = 0x060,
	VIRTIO_MMIO_INTERRUPT_ACK     = 0x064,
	VIRTIO_MMIO_STATUS            = 0x070,
	VIRTIO_MMIO_QUEUE_DESC_LOW    = 0x080,
	VIRTIO_MMIO_QUEUE_DESC_HIGH   = 0x084,
	VIRTIO_MMIO_QUEUE_DRIVER_LOW  = 0x090,   /* the available ring */
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
	VIRTIO_MMIO_QUEUE_DEVICE_LOW  = 0x0a0,   /* the used ring */
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
	VIRTIO_MMIO_CONFIG            = 0x100,   /* device-specific space */
};

#define VIRTIO_MMIO_MAGIC          0x74726976u   /* "virt", little-endian */
#define VIRTIO_MMIO_VERSION_LEGACY 1
#define VIRTIO_MMIO_VERSION_MODERN 2

/* Device IDs (section 5). 0 marks an empty slot. */
enum virtio_device_id {
	VIRTIO_ID_NONE  = 0,
	VIRTIO_ID_NET   = 1,
	VIRTIO_ID_BLOCK = 2,
};

/* Device status bits (section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE        (1u << 0)
#define VIRTIO_STATUS_DRIVER             (1u << 1)
#define VIRTIO_STATUS_DRIVER_OK          (1u << 2)
#define VIRTIO_STATUS_FEATURES_OK        (1u << 3)
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET (1u << 6)
#define VIRTIO_STATUS_FAILED             (1u << 7)

/* InterruptStatus / InterruptACK bits (section 4.2.2). */
#define VIRTIO_MMIO_INT_VRING  (1u << 0)   /* a used buffer was returned */
#define VIRTIO_MMIO_INT_CONFIG (1u << 1)   /* configuration space changed */

/* Feature bits are numbered 0..63; the registers show 32 at a time. */
#define VIRTIO_FEATURE_WORD_BITS 32
#define VIRTIO_FEATURE_WORDS     2

/* Device-independent feature bits (section 6). */
#define VIRTIO_F_INDIRECT_DESC   28
#define VIRTIO_F_EVENT_IDX       29
#define VIRTIO_F_VERSION_1       32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED     34

/* Block device feature bits (section 5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX   1
#define VIRTIO_BLK_F_SEG_MAX    2
#define VIRTIO_BLK_F_GEOMETRY   4
#define VIRTIO_BLK_F_RO         5
#define VIRTIO_BLK_F_BLK_SIZE   6
#define VIRTIO_BLK_F_FLUSH      9
#define VIRTIO_BLK_F_TOPOLOGY   10
#define VIRTIO_BLK_F_CONFIG_WCE 11

#define VIRTIO_FEATURE(bit) (1ULL << (bit))

/* ---- split virtqueue (section 2.6) ------------------------------------- */
#define VIRTQ_DESC_F_NEXT     1   /* the chain continues in next */
#define VIRTQ_DESC_F_WRITE    2   /* the device writes this buffer */
#define VIRTQ_DESC_F_INDIRECT 4

/* Alignment the spec requires of each part of a split queue. */
#define VIRTQ_DESC_ALIGN  16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN  4

struct virtq_desc {
	uint64_t addr;    /* physical address of the buffer */
	uint32_t len;
	uint16_t flags;   /* VIRTQ_DESC_F_* */
	uint16_t next;
};

/* ring[] has the queue size; used_event follows it (unused: no EVENT_IDX). */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;     /* where the driver puts the next entry, mod 2^16 */
	uint16_t ring[];
};

struct virtq_used_elem {
	uint32_t id;      /* head descriptor of the finished chain */
	uint32_t len;     /* bytes the device wrote */
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;     /* where the device puts the next entry, mod 2^16 */
	struct virtq_used_elem ring[];
};

/* ---- block device (section 5.2) ---------------------------------------- */
#define VIRTIO_BLK_SECTOR_SIZE 512   /* capacity and sector are in these */

/* Device configuration space (offsets within VIRTIO_MMIO_CONFIG). */
#define VIRTIO_BLK_CFG_CAPACITY 0x00   /* le64, in 512-byte sectors */

enum virtio_blk_req_type {
	VIRTIO_BLK_T_IN  = 0,   /* read */
	VIRTIO_BLK_T_OUT = 1,   /* write */
};

enum virtio_blk_status {
	VIRTIO_BLK_S_OK     = 0,
	VIRTIO_BLK_S_IOERR  = 1,
	VIRTIO_BLK_S_UNSUPP = 2,
};

/* The device-readable header that starts every request. */
struct virtio_blk_req_hdr {
	uint32_t type;       /* enum virtio_blk_req_type */
	uint32_t reserved;
	uint64_t sector;
};
#endif
