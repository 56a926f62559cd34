package dev.hvmspec.model.runtime;

import java.util.Arrays;

/**
 * Sparse physical memory of 64-bit words at 8-byte-aligned addresses (absent words read as zero) that remembers the
 * input's words, so that {@link #changes()} can report what an evaluation wrote. Addresses are ordered as unsigned
 * numbers. Reads and writes use the word containing the address ({@code address & ~7}).
 */
public final class PhysicalMemory {
    private final long[] initialAddresses;
    private final long[] initialValues;
    private final int initialCount;
    /** The words now, ascending by unsigned address; shares the initial arrays until the first write. */
    private long[] addresses;
    private long[] values;
    private int count;
    private boolean shared;

    private PhysicalMemory(long[] addresses, long[] values, int count) {
        this.initialAddresses = addresses;
        this.initialValues = values;
        this.initialCount = count;
        this.addresses = addresses;
        this.values = values;
        this.count = count;
        this.shared = true;
    }

    /** Memory with no words. */
    public static PhysicalMemory empty() {
        return new PhysicalMemory(new long[0], new long[0], 0);
    }

    /**
     * Memory holding {@code values[i]} at {@code addresses[i]}.
     *
     * @throws IllegalArgumentException if an address is not 8-byte aligned or given twice
     */
    public static PhysicalMemory of(long[] addresses, long[] values) {
        if (addresses.length != values.length) throw new IllegalArgumentException("addresses and values differ in length");
        int n = addresses.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            if ((addresses[i] & 7) != 0) {
                throw new IllegalArgumentException("address " + Hex.format(addresses[i]) + " is not 8-byte aligned");
            }
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compareUnsigned(addresses[a], addresses[b]));
        long[] sortedAddresses = new long[n];
        long[] sortedValues = new long[n];
        for (int i = 0; i < n; i++) {
            sortedAddresses[i] = addresses[order[i]];
            sortedValues[i] = values[order[i]];
            if (i > 0 && sortedAddresses[i] == sortedAddresses[i - 1]) {
                throw new IllegalArgumentException("address " + Hex.format(sortedAddresses[i]) + " is given twice");
            }
        }
        return new PhysicalMemory(sortedAddresses, sortedValues, n);
    }

    /** The input's words without the writes made since: what each new evaluation starts from. */
    public PhysicalMemory fork() {
        return new PhysicalMemory(initialAddresses, initialValues, initialCount);
    }

    /** {@code m[address]}: the word containing {@code address}. */
    public long read(long address) {
        int i = find(addresses, count, address & ~7L);
        return i >= 0 ? values[i] : 0;
    }

    /** {@code m[address] = value;}: writes the word containing {@code address}. */
    public void write(long address, long value) {
        long aligned = address & ~7L;
        int i = find(addresses, count, aligned);
        if (shared) {
            addresses = Arrays.copyOf(addresses, count + 4);
            values = Arrays.copyOf(values, count + 4);
            shared = false;
        }
        if (i >= 0) {
            values[i] = value;
            return;
        }
        int at = -i - 1;
        if (count == addresses.length) {
            addresses = Arrays.copyOf(addresses, count * 2 + 4);
            values = Arrays.copyOf(values, count * 2 + 4);
        }
        System.arraycopy(addresses, at, addresses, at + 1, count - at);
        System.arraycopy(values, at, values, at + 1, count - at);
        addresses[at] = aligned;
        values[at] = value;
        count++;
    }

    /** {@code changes(m)}: the words whose value differs from the input's, as memory that holds only them. */
    public PhysicalMemory changes() {
        long[] a = new long[count];
        long[] v = new long[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            int j = find(initialAddresses, initialCount, addresses[i]);
            long before = j >= 0 ? initialValues[j] : 0;
            if (before != values[i]) {
                a[n] = addresses[i];
                v[n] = values[i];
                n++;
            }
        }
        return new PhysicalMemory(a, v, n);
    }

    /** How many words the memory holds now (the input's and those written). */
    public int size() {
        return count;
    }

    /** The address of the {@code i}-th word, in ascending unsigned order. */
    public long addressAt(int i) {
        return addresses[i];
    }

    /** The value of the {@code i}-th word. */
    public long valueAt(int i) {
        return values[i];
    }

    private static int find(long[] addresses, int count, long address) {
        int lo = 0;
        int hi = count - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(addresses[mid], address);
            if (c < 0) lo = mid + 1;
            else if (c > 0) hi = mid - 1;
            else return mid;
        }
        return -(lo + 1);
    }

    /** Equal when the words held now are equal (as in JSON). */
    @Override
    public boolean equals(Object o) {
        return o instanceof PhysicalMemory m && m.count == count
                && Arrays.equals(m.addresses, 0, count, addresses, 0, count)
                && Arrays.equals(m.values, 0, count, values, 0, count);
    }

    @Override
    public int hashCode() {
        int h = count;
        for (int i = 0; i < count; i++) {
            h = 31 * h + Long.hashCode(addresses[i]);
            h = 31 * h + Long.hashCode(values[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("memory{");
        for (int i = 0; i < count; i++) {
            if (i > 0) s.append(", ");
            s.append(Hex.format(addresses[i])).append('=').append(Hex.format(values[i]));
        }
        return s.append('}').toString();
    }
}
