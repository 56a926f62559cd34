package dev.hvmspec.model.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuntimeHelpersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode tree(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    @Test
    void bitsShiftsAreZeroOutsideTheWidth() {
        assertThat(Bits.shiftLeft(0xff, 4, 8)).isEqualTo(0xf0);
        assertThat(Bits.shiftLeft(1, 8, 8)).isZero();
        assertThat(Bits.shiftLeft(1, -1, 8)).isZero();
        assertThat(Bits.shiftRight(-1L, 63, 64)).isEqualTo(1);
        assertThat(Bits.shiftRight(-1L, 64, 64)).isZero();
        assertThat(Bits.shiftLeftInt(1, 64)).isZero();
        assertThat(Bits.shiftRightInt(-8, 1)).isEqualTo(-4);
        assertThat(Bits.shiftRightInt(-8, 64)).isEqualTo(-1);
        assertThat(Bits.shiftRightInt(8, -1)).isZero();
        assertThat(Bits.bit(0b100, 2, 3)).isEqualTo(1);
        assertThat(Bits.bit(0b100, 3, 3)).isZero();
        assertThat(Bits.bit(-1L, 63, 64)).isEqualTo(1);
        assertThat(Bits.slice(0xabcd, 11, 4)).isEqualTo(0xbc);
        assertThat(Bits.slice(-1L, 63, 0)).isEqualTo(-1L);
        assertThat(Bits.mask(64)).isEqualTo(-1L);
    }

    @Test
    void hexIsCanonicalWhenWrittenAndLenientOnlyInCaseAndZerosWhenRead() {
        assertThat(Hex.format(0)).isEqualTo("0x0");
        assertThat(Hex.format(-1L)).isEqualTo("0xffffffffffffffff");
        assertThat(Hex.parse("0x00000000000000000000FF", 8)).isEqualTo(0xff);
        assertThat(Hex.parse("0xFFFFFFFFFFFFFFFF", 64)).isEqualTo(-1L);
        // Upper case includes the prefix: the vector schemas' pattern is ^0[xX][0-9a-fA-F]+$.
        assertThat(Hex.parse("0X1f", 8)).isEqualTo(0x1f);
        for (String bad : List.of("0x", "0X", "ff", "x1", "0x-1", "0x1g", "0x 1", "0x١")) {
            assertThatThrownBy(() -> Hex.parse(bad, 64)).as(bad).isInstanceOf(NumberFormatException.class);
        }
        assertThatThrownBy(() -> Hex.parse("0x100", 8)).hasMessageContaining("does not fit in 8 bits");
        assertThatThrownBy(() -> Hex.parse("0x10000000000000000", 64)).hasMessageContaining("does not fit in 64 bits");
    }

    @Test
    void byteArraysAreSparseAndReadZeroOutside() {
        ByteArray b = ByteArray.of(16, new int[] {9, 2}, new int[] {0xaa, 0x01});
        assertThat(b.get(2)).isEqualTo(1);
        assertThat(b.get(9)).isEqualTo(0xaa);
        assertThat(b.get(3)).isZero();
        assertThat(b.get(16)).isZero();
        assertThat(b.get(-1)).isZero();
        assertThat(b.offsetAt(0)).isEqualTo(2);
        assertThatThrownBy(() -> ByteArray.of(16, new int[] {1, 1}, new int[] {0, 0})).hasMessageContaining("twice");
    }

    @Test
    void memoryTracksWritesAndReportsChangesInUnsignedOrder() {
        PhysicalMemory m = PhysicalMemory.of(new long[] {0x8000000000000000L, 0x10}, new long[] {1, 2});
        PhysicalMemory run = m.fork();
        assertThat(run.read(0x17)).isEqualTo(2);
        run.write(0x13, 2);          // same value: not a change
        run.write(0x20, 5);          // new word
        run.write(0x8000000000000004L, 7);
        run.write(0x28, 0);          // zero over absent: not a change
        PhysicalMemory changes = run.changes();
        assertThat(changes.size()).isEqualTo(2);
        assertThat(changes.addressAt(0)).isEqualTo(0x20);
        assertThat(changes.addressAt(1)).isEqualTo(0x8000000000000000L);
        assertThat(changes.valueAt(1)).isEqualTo(7);
        assertThat(m.fork().read(0x8000000000000000L)).isEqualTo(1);
        assertThat(PhysicalMemory.empty().changes()).isEqualTo(PhysicalMemory.empty());
        assertThat(Json.toJson(changes).toString()).isEqualTo("{\"0x20\":\"0x5\",\"0x8000000000000000\":\"0x7\"}");
    }

    @Test
    void jsonReadersAreStrictAndLocateErrors() throws Exception {
        ObjectNode o = tree("{\"a\":\"0x1F\",\"n\":3,\"b\":true,\"m\":{\"0x8\":\"0x1\"},\"y\":{\"0xff\":\"0x2\"},\"s\":1.0}");
        assertThat(Json.bits(o, "a", "", 5)).isEqualTo(0x1f);
        assertThat(Json.integer(o, "n", "", 0, 3)).isEqualTo(3);
        assertThat(Json.bool(o, "b", "")).isTrue();
        assertThat(Json.memory(o, "m", "").read(8)).isEqualTo(1);
        assertThat(Json.bytes(o, "y", "", 256).get(0xff)).isEqualTo(2);
        assertThatThrownBy(() -> Json.bits(o, "a", "/r", 4)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.path()).isEqualTo("/r/a"));
        assertThatThrownBy(() -> Json.integer(o, "n", "", 0, 2)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Json.integer(o, "s", "", 0, 2)).hasMessageContaining("expected an integer");
        assertThatThrownBy(() -> Json.bool(o, "missing", "")).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.path()).isEqualTo("/missing"));
        assertThatThrownBy(() -> Json.bytes(o, "y", "", 255)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.path()).isEqualTo("/y/0xff"));
        assertThatThrownBy(() -> Json.memory(tree("{\"m\":{\"0x4\":\"0x1\"}}"), "m", "")).hasMessageContaining("not 8-byte aligned");
        assertThatThrownBy(() -> Json.memory(tree("{\"m\":{\"0x8\":\"0x1\",\"0x08\":\"0x2\"}}"), "m", "")).hasMessageContaining("twice");
        assertThatThrownBy(() -> Json.keys(tree("{\"a\":1,\"a/b\":2}"), "", new String[] {"a"}))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.path()).isEqualTo("/a~1b"));
    }

    @Test
    void verdictsPutTheFinishFirstAndDropDuplicates() {
        Allowances<String> allowed = new Allowances<>();
        allowed.allow("b", "f1");
        allowed.allow("a", "f2");
        allowed.allow("c", "f1");
        Verdict<String> v = allowed.finish(List.of("a", "a"), "f0");
        assertThat(v.outcomes()).containsExactly("a", "b", "c");
        assertThat(v.flags()).containsExactly("f0", "f1", "f2");
        assertThat(Verdict.of("x").flags()).isEmpty();
        RecordingTrace trace = new RecordingTrace();
        RuleInfo rule = new RuleInfo("R", "s", new SdmRef("3C", "1", "t"));
        assertThat(Rules.traced(trace, rule, false)).isFalse();
        assertThat(trace.steps()).containsExactly(new RecordingTrace.Step(rule, false));
    }
}
