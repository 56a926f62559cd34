package dev.hvmspec.dsl.check;

import dev.hvmspec.dsl.ast.Decl;

/** What a name, member access or call in the spec refers to, as the checker resolved it. */
public sealed interface Binding {

    /** A parameter, {@code let}/{@code var} or loop variable. */
    record Local(String name) implements Binding {}

    /** A member of the domain's input. */
    record InputField(Decl.Member member) implements Binding {}

    record Constant(Decl.Const decl) implements Binding {}

    /** {@code Mode.REAL}. */
    record EnumItem(Decl.Enum decl, Decl.EnumItem item) implements Binding {}

    /** {@code CR0.PE} on a layout name: a mask with the field's bits set. */
    record LayoutMask(Decl.Layout layout, Decl.Field field) implements Binding {}

    /** {@code value.PE} on a value of a layout type: the field's bits, shifted down. */
    record LayoutField(Decl.Layout layout, Decl.Field field) implements Binding {}

    /** {@code value.user} on a record value. */
    record RecordField(Decl.Record record, Decl.Member member) implements Binding {}

    record FunctionCall(Decl.Func decl) implements Binding {}

    record OutcomeCall(Decl.Outcome decl) implements Binding {}

    record BuiltinCall(Builtin builtin) implements Binding {}
}
