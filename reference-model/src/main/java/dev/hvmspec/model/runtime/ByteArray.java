package dev.hvmspec.model.runtime;

import java.util.Arrays;

/**
 * A sparse, immutable {@code bytes(N)} value (for example the 4-KiB MSR bitmap): the bytes an input gave, every
 * other byte zero. Reads outside the array are zero too.
 */
public final class ByteArray {
    private final int size;
    /** {@code offset << 8 | value}, ascending by offset; offsets are unique. */
    private final int[] entries;

    private ByteArray(int size, int[] entries) {
        this.size = size;
        this.entries = entries;
    }

    /** {@code size} zero bytes. */
    public static ByteArray empty(int size) {
        return new ByteArray(size, new int[0]);
    }

    /**
     * The array of {@code size} bytes with {@code values[i]} at {@code offsets[i]} and zero elsewhere.
     *
     * @throws IllegalArgumentException if an offset is outside the array or given twice, or a value is not a byte
     */
    public static ByteArray of(int size, int[] offsets, int[] values) {
        if (offsets.length != values.length) throw new IllegalArgumentException("offsets and values differ in length");
        int[] entries = new int[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] < 0 || offsets[i] >= size) {
                throw new IllegalArgumentException("offset 0x" + Integer.toHexString(offsets[i]) + " is outside bytes(" + size + ")");
            }
            if (values[i] < 0 || values[i] > 0xff) {
                throw new IllegalArgumentException("value 0x" + Integer.toHexString(values[i]) + " is not a byte");
            }
            entries[i] = offsets[i] << 8 | values[i];
        }
        Arrays.sort(entries);
        for (int i = 1; i < entries.length; i++) {
            if (entries[i] >>> 8 == entries[i - 1] >>> 8) {
                throw new IllegalArgumentException("offset 0x" + Integer.toHexString(entries[i] >>> 8) + " is given twice");
            }
        }
        return new ByteArray(size, entries);
    }

    /** {@code b[offset]}: the byte at {@code offset}, 0 when absent or outside the array. */
    public long get(long offset) {
        if (offset < 0 || offset >= size) return 0;
        int key = (int) offset;
        int lo = 0;
        int hi = entries.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int at = entries[mid] >>> 8;
            if (at < key) lo = mid + 1;
            else if (at > key) hi = mid - 1;
            else return entries[mid] & 0xff;
        }
        return 0;
    }

    public int size() {
        return size;
    }

    /** How many bytes were given (the stored entries, in ascending offset order). */
    public int count() {
        return entries.length;
    }

    /** The offset of the {@code i}-th stored entry. */
    public int offsetAt(int i) {
        return entries[i] >>> 8;
    }

    /** The value of the {@code i}-th stored entry. */
    public int valueAt(int i) {
        return entries[i] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteArray b && b.size == size && Arrays.equals(b.entries, entries);
    }

    @Override
    public int hashCode() {
        return 31 * size + Arrays.hashCode(entries);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("bytes(").append(size).append("){");
        for (int i = 0; i < entries.length; i++) {
            if (i > 0) s.append(", ");
            s.append(Hex.format(offsetAt(i))).append('=').append(Hex.format(valueAt(i)));
        }
        return s.append('}').toString();
    }
}
