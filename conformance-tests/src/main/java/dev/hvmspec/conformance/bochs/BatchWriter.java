package dev.hvmspec.conformance.bochs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.vectors.Vector;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Converts msr-access and cr-access vectors to the runner's binary batch format, version 2 (runner/README.md,
 * runner/src/batch.h):
 * up to {@link #IMAGES} images of at most {@link #IMAGE_SIZE} bytes, each a 64-byte header and 512-byte records.
 */
public final class BatchWriter {

    public static final int MAGIC = 0x424d5648; // "HVMB"
    public static final int VERSION = 2;
    public static final int HEADER_SIZE = 64;
    public static final int RECORD_SIZE = 512;
    public static final int ID_SIZE = 96;
    public static final int MAX_BITMAP_ENTRIES = 96;
    /** One Bochs memory block: the largest optramimage Bochs 2.7 loads intact. */
    public static final int IMAGE_SIZE = 0x20000;
    public static final int IMAGES = 3;
    public static final int RECORDS_PER_IMAGE = (IMAGE_SIZE - HEADER_SIZE) / RECORD_SIZE;
    public static final int RECORDS_PER_BOOT = IMAGES * RECORDS_PER_IMAGE;
    /** Guest-physical address of image 0 (optramimage2); image k is at IMAGE_BASE + k * IMAGE_SIZE. */
    public static final long IMAGE_BASE = 0x200000L;

    static final int DOMAIN_MSR_ACCESS = 1;
    static final int DOMAIN_CR_ACCESS = 2;
    /** cr-access instruction codes, in the order of the record's {@code instruction} field. */
    static final List<String> CR_INSTRUCTIONS =
            List.of("mov-to-cr0", "mov-to-cr4", "mov-from-cr0", "mov-from-cr4", "clts", "lmsw");
    /** cr-access modes, in the order of the record's {@code mode} field. */
    static final List<String> CR_MODES = List.of("real", "protected", "compatibility", "64-bit");
    /** The cr-access record's 64-bit fields from offset 128, in order. */
    static final List<String> CR_FIELDS = List.of("source", "cr0", "cr3", "cr4", "efer", "cr0_guest_host_mask",
            "cr0_read_shadow", "cr4_guest_host_mask", "cr4_read_shadow", "cr0_fixed0", "cr0_fixed1", "cr4_fixed0",
            "cr4_fixed1");

    private BatchWriter() {}

    /**
     * Why the runner cannot run this vector faithfully, or empty when it can. Inputs that break the domain's
     * schema are left to the kernel's own checks and come back as errors.
     */
    public static Optional<String> unsupportedReason(Vector v) {
        byte[] id = v.id().getBytes(StandardCharsets.UTF_8);
        if (id.length >= ID_SIZE) return Optional.of("the vector id is longer than the runner's " + (ID_SIZE - 1) + " bytes");
        for (byte b : id) {
            if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
                return Optional.of("the vector id has a character the runner does not echo verbatim");
            }
        }
        if (v.domain().equals("msr-access") && nonZeroBitmapBytes(v.input()).size() > MAX_BITMAP_ENTRIES) {
            return Optional.of("the MSR bitmap has more than " + MAX_BITMAP_ENTRIES + " non-zero bytes (runner batch limit)");
        }
        return Optional.empty();
    }

    /** One image holding {@code vectors} (at most {@link #RECORDS_PER_IMAGE}), the first being vector {@code firstIndex}. */
    public static byte[] image(List<Vector> vectors, int firstIndex) {
        if (vectors.size() > RECORDS_PER_IMAGE) throw new IllegalArgumentException("too many records for one image");
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + vectors.size() * RECORD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putInt(vectors.size()).putInt(RECORD_SIZE).putInt(firstIndex);
        b.position(HEADER_SIZE);
        for (Vector v : vectors) {
            int start = b.position();
            ObjectNode in = v.input();
            byte[] id = v.id().getBytes(StandardCharsets.UTF_8);
            b.put(id, 0, Math.min(id.length, ID_SIZE - 1));
            b.position(start + ID_SIZE);
            if (v.domain().equals("cr-access")) {
                putCrRecord(b, start, in);
                b.position(start + RECORD_SIZE);
                continue;
            }
            String insn = in.path("instruction").asText();
            b.putInt(DOMAIN_MSR_ACCESS);
            b.putInt(insn.equals("rdmsr") ? 0 : insn.equals("wrmsr") ? 1 : 0xff);
            b.putInt((int) hex(in.path("ecx")));
            b.putInt(in.path("cpl").isInt() ? in.path("cpl").asInt() : 0xff);
            b.putInt(in.path("use_msr_bitmaps").asBoolean() ? 1 : 0);
            Map<Integer, Integer> bitmap = nonZeroBitmapBytes(in);
            b.putInt(bitmap.size());
            b.position(start + 128);
            for (Map.Entry<Integer, Integer> e : bitmap.entrySet()) {
                b.putShort((short) e.getKey().intValue()).put((byte) e.getValue().intValue()).put((byte) 0);
            }
            b.position(start + RECORD_SIZE);
        }
        return b.array();
    }

    /** A cr-access record after the id (runner/src/batch.h, struct batch_cr_record). */
    private static void putCrRecord(ByteBuffer b, int start, ObjectNode in) {
        b.putInt(DOMAIN_CR_ACCESS);
        b.putInt(CR_INSTRUCTIONS.indexOf(in.path("instruction").asText()) & 0xff);
        b.putInt(in.path("gpr").isInt() ? in.path("gpr").asInt() : 0);
        b.putInt(CR_MODES.indexOf(in.path("mode").asText()) & 0xff);
        b.putInt(in.path("cpl").isInt() ? in.path("cpl").asInt() : 0xff);
        b.putInt((in.path("lmsw_memory_operand").asBoolean(false) ? 1 : 0)
                | (in.path("unrestricted_guest").asBoolean(false) ? 2 : 0));
        b.position(start + 128);
        for (String f : CR_FIELDS) b.putLong(in.has(f) ? hex(in.path(f)) : 0);
    }

    /** The bitmap's non-zero bytes by offset (offsets outside 0..0xfff are kept, so that the kernel reports them). */
    static Map<Integer, Integer> nonZeroBitmapBytes(ObjectNode input) {
        Map<Integer, Integer> bytes = new TreeMap<>();
        JsonNode bitmap = input.path("msr_bitmap");
        for (Iterator<Map.Entry<String, JsonNode>> it = bitmap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long offset = hex(e.getKey());
            long value = hex(e.getValue());
            if ((value & 0xff) != 0) bytes.put((int) Math.min(offset, 0xffff), (int) (value & 0xff));
        }
        return bytes;
    }

    private static long hex(JsonNode n) {
        return hex(n.asText());
    }

    private static long hex(String s) {
        String t = s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
        try {
            return Long.parseUnsignedLong(t, 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
