package dev.hvmspec.model.runtime;

/** A reference into the Intel SDM: volume, section number and section title. */
public record SdmRef(String volume, String section, String title) {
    /** The form used in vectors and reports, e.g. {@code Vol. 3C 26.1.3 Instructions That Cause VM Exits Conditionally}. */
    public String cite() {
        return "Vol. " + volume + " " + section + " " + title;
    }
}
