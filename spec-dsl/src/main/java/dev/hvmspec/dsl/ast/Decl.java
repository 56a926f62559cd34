package dev.hvmspec.dsl.ast;

import java.util.List;
import java.util.Optional;

/** Top-level declarations of a spec file. */
public sealed interface Decl {
    Pos pos();

    String name();

    /** An SDM reference: {@code sdm S26_1_3 = "3C" "26.1.3" "Instructions That Cause VM Exits Conditionally";} */
    record Sdm(Pos pos, String name, String volume, String section, String title) implements Decl {}

    /** A vector flag and the sentence that explains it. */
    record Flag(Pos pos, String name, String description) implements Decl {}

    record Const(Pos pos, String name, Type type, Expr value) implements Decl {}

    record Enum(Pos pos, String name, List<EnumItem> items) implements Decl {
        public Enum { items = List.copyOf(items); }
    }

    /** An enum item and its spelling in vectors. */
    record EnumItem(Pos pos, String name, String json) {}

    record Layout(Pos pos, String name, int width, List<Field> fields) implements Decl {
        public Layout { fields = List.copyOf(fields); }
    }

    record Field(Pos pos, String name, int hi, int lo) {
        public int width() { return hi - lo + 1; }
    }

    record Record(Pos pos, String name, List<Member> members) implements Decl {
        public Record { members = List.copyOf(members); }
    }

    /** A member of a record, of the input or of an outcome; the name is the JSON key. */
    record Member(Pos pos, String name, Type type, boolean optional) {}

    record Input(Pos pos, List<Member> members) implements Decl {
        public Input { members = List.copyOf(members); }
        @Override public String name() { return "input"; }
    }

    /** An outcome constructor; {@code kind} is its {@code "kind"} in vectors. */
    record Outcome(Pos pos, String name, String kind, List<Member> members) implements Decl {
        public Outcome { members = List.copyOf(members); }
    }

    record Func(Pos pos, String name, List<Param> params, Optional<Type> result, Stmt.Block body) implements Decl {
        public Func { params = List.copyOf(params); }
    }

    record Param(Pos pos, String name, Type type) {}

    record Evaluate(Pos pos, Stmt.Block body) implements Decl {
        @Override public String name() { return "evaluate"; }
    }
}
