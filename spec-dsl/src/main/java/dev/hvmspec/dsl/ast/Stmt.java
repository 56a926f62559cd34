package dev.hvmspec.dsl.ast;

import java.util.List;
import java.util.Optional;

/** Statements of function bodies and the evaluate block. */
public sealed interface Stmt {
    Pos pos();

    record Block(Pos pos, List<Stmt> statements) {
        public Block { statements = List.copyOf(statements); }
    }

    /** {@code let x = e;} (immutable) or {@code var x = e;} (assignable). */
    record Let(Pos pos, String name, Optional<Type> declared, Expr value, boolean mutable) implements Stmt {}

    record Assign(Pos pos, String name, Expr value) implements Stmt {}

    /** {@code m[address] = value;}: a write to physical memory. */
    record Store(Pos pos, String name, Expr index, Expr value) implements Stmt {}

    record If(Pos pos, Expr condition, Block then, Optional<Block> otherwise) implements Stmt {}

    /** {@code for i from a to b} (ascending) or {@code downto} (descending), bounds inclusive. */
    record For(Pos pos, String variable, Expr from, Expr to, boolean descending, Block body) implements Stmt {}

    record Return(Pos pos, Expr value) implements Stmt {}

    /** Ends the evaluation with an outcome; alternatives after {@code or} are also allowed, for the reason the flag names. */
    record Finish(Pos pos, List<Expr> outcomes, Optional<String> flag) implements Stmt {
        public Finish { outcomes = List.copyOf(outcomes); }
    }

    /** Adds an allowed outcome to the one the evaluation finishes with. */
    record Allow(Pos pos, Expr outcome, String flag) implements Stmt {}

    /**
     * A named rule: its condition is evaluated and traced (held = true); {@code then} runs when it holds and
     * {@code otherwise} when it does not. A {@code check} is a rule whose violation runs {@code otherwise}.
     */
    record Rule(Pos pos, String id, String sdm, Pos sdmPos, String summary, Expr condition, Block then,
                Optional<Block> otherwise, boolean isCheck) implements Stmt {}

    record ExprStmt(Pos pos, Expr expr) implements Stmt {}
}
