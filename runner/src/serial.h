/*
 * COM1 output (I/O base 0x3F8, a 16550-compatible UART), so that a kernel booted on hardware or in QEMU/KVM can be
 * logged from its serial port; port 0xE9 (Bochs's port_e9_hack, QEMU's -debugcon) is written as well. Included by
 * kernel.c after outb.
 *
 * Register offsets from the base: 0 THR (DLL while LCR.DLAB = 1), 1 IER (DLM), 2 FCR, 3 LCR, 4 MCR, 5 LSR (bit 5:
 * transmit holding register empty), 7 scratch.
 */
#define COM1_BASE 0x3f8

static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static int com1_present;

/* A UART is assumed present when its scratch register keeps what is written to it; where none is decoded the reads
 * return all ones and nothing is written (the host's Bochs configuration disables COM1 for speed: each byte would
 * cost emulated transmission time). */
static void serial_init(void) {
    outb(COM1_BASE + 7, 0x5a);
    if (inb(COM1_BASE + 7) != 0x5a) return;
    outb(COM1_BASE + 7, 0xa5);
    if (inb(COM1_BASE + 7) != 0xa5) return;
    outb(COM1_BASE + 1, 0x00);   /* no interrupts: the kernel polls */
    outb(COM1_BASE + 3, 0x80);   /* DLAB, to set the divisor */
    outb(COM1_BASE + 0, 0x01);   /* divisor 1: 115200 baud */
    outb(COM1_BASE + 1, 0x00);
    outb(COM1_BASE + 3, 0x03);   /* 8 data bits, no parity, 1 stop bit */
    outb(COM1_BASE + 2, 0xc7);   /* FIFOs on and cleared */
    outb(COM1_BASE + 4, 0x03);   /* DTR, RTS */
    com1_present = 1;
}

static void serial_byte(uint8_t c) {
    /* Bounded wait: a UART that never drains (nothing attached that clocks it, a broken emulation) slows the run
     * down but cannot hang it. */
    for (unsigned i = 0; i < 100000 && !(inb(COM1_BASE + 5) & 0x20); i++) __asm__ volatile("pause");
    outb(COM1_BASE, c);
}

/* Terminal programs and serial-capture tools expect CR LF; the host's readers accept both. */
static void serial_putc(char c) {
    if (!com1_present) return;
    if (c == '\n') serial_byte('\r');
    serial_byte((uint8_t)c);
}
