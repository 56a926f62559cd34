package dev.hvmspec.model.runtime;

/** A named rule of the spec: its stable ID, one-line summary and the SDM section it rests on. */
public record RuleInfo(String id, String summary, SdmRef sdm) {}
