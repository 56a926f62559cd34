package dev.hvmspec.dsl.ast;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/** Expressions. Every node carries its position; the checker records each node's type by identity. */
public sealed interface Expr {
    Pos pos();

    record IntLit(Pos pos, BigInteger value, String text) implements Expr {}

    record BoolLit(Pos pos, boolean value) implements Expr {}

    record Name(Pos pos, String name) implements Expr {}

    /** {@code base.name}: a layout field, a record field, an enum item ({@code Mode.REAL}) or a layout mask ({@code CR0.PE}). */
    record Member(Pos pos, Expr base, String name) implements Expr {}

    /** {@code base[index]}: one bit of a bit vector, a byte of a byte array, or a word of physical memory. */
    record Index(Pos pos, Expr base, Expr index) implements Expr {}

    /** {@code base[hi:lo]} with constant bounds. */
    record Slice(Pos pos, Expr base, Expr hi, Expr lo) implements Expr {}

    record Unary(Pos pos, String op, Expr operand) implements Expr {}

    record Binary(Pos pos, String op, Expr left, Expr right) implements Expr {}

    record Conditional(Pos pos, Expr condition, Expr then, Expr otherwise) implements Expr {}

    /** A call of a function, a builtin or an outcome constructor; arguments may be named. */
    record Call(Pos pos, String callee, List<Arg> args) implements Expr {
        public Call { args = List.copyOf(args); }
    }

    record Arg(Pos pos, Optional<String> name, Expr value) {}
}
