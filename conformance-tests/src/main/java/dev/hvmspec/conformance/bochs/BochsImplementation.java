package dev.hvmspec.conformance.bochs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.impl.Implementation;
import dev.hvmspec.conformance.impl.OutcomeValidator;
import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.impl.ReplySink;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs vectors on Bochs's VMX emulation: the runner's test kernel (runner/, built with {@code make -C runner}) boots
 * under Bochs with a batch of vectors, executes each with real VMX instructions and prints one adapter-protocol reply
 * line per vector on port 0xE9, which Bochs copies to its standard output.
 *
 * <p>The msr-access, cr-access, vmx-instruction, ept-walk and descriptor-table domains are run; other domains get {@link Reply.Unsupported}. A boot that ends before replying
 * to all of its vectors (a crash, a timeout, a fatal root-mode exception) gives the first unanswered vector an error
 * reply, and the next boot starts with the vector after it; replies already received are kept.
 */
public final class BochsImplementation implements Implementation {

    public static final String INSTALL_HINT = "apt-get install -y --no-install-recommends bochs bochsbios vgabios";
    public static final Set<String> DOMAINS = Set.of("msr-access", "cr-access", "vmx-instruction", "ept-walk",
            "descriptor-table");
    public static final String OTHER_DOMAIN = "domain not supported by the Bochs runner yet";

    /** Short names accepted by {@code --target bochs:MODEL}, and Bochs 2.7's CPU model names for them. */
    public static final Map<String, String> MODELS;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("haswell", "corei7_haswell_4770");
        m.put("skylake_x", "corei7_skylake_x");
        m.put("icelake", "corei7_icelake_u");
        m.put("tigerlake", "tigerlake");
        m.put("penryn", "core2_penryn_t9600");
        m.put("sandy_bridge", "corei7_sandy_bridge_2600k");
        // The other Bochs 2.7 models with VMX and long mode (probed into profiles/; runner/README.md).
        m.put("lynnfield", "corei5_lynnfield_750");
        m.put("arrandale", "corei5_arrandale_m520");
        m.put("ivy_bridge", "corei7_ivy_bridge_3770k");
        m.put("broadwell", "broadwell_ult");
        m.put("cannonlake", "corei3_cnl");
        MODELS = Collections.unmodifiableMap(m);
    }

    public static final String DEFAULT_MODEL = "haswell";

    /**
     * How to run Bochs. {@code runnerDir} is the project's runner/ directory; {@code cpuModel} a Bochs CPU model name;
     * {@code bootTimeout} bounds one boot of up to {@link BatchWriter#RECORDS_PER_BOOT} vectors.
     */
    public record Settings(Path runnerDir, String cpuModel, Duration bootTimeout, OutcomeValidator validator) {
        public Settings {
            Objects.requireNonNull(runnerDir, "runnerDir");
            Objects.requireNonNull(cpuModel, "cpuModel");
            Objects.requireNonNull(bootTimeout, "bootTimeout");
            Objects.requireNonNull(validator, "validator");
        }

        public static Settings of(Path runnerDir, String cpuModel) {
            return new Settings(runnerDir, cpuModel, Duration.ofSeconds(120), OutcomeValidator.ANY);
        }

        public Settings withValidator(OutcomeValidator v) {
            return new Settings(runnerDir, cpuModel, bootTimeout, v);
        }

        public Settings withBootTimeout(Duration d) {
            return new Settings(runnerDir, cpuModel, d, validator);
        }
    }

    /** The Bochs CPU model for {@code bochs[:MODEL]}'s MODEL: a short name of {@link #MODELS} or a model name itself. */
    public static Optional<String> cpuModel(String shortName) {
        if (MODELS.containsKey(shortName)) return Optional.of(MODELS.get(shortName));
        if (MODELS.containsValue(shortName)) return Optional.of(shortName);
        return Optional.empty();
    }

    private final Settings settings;
    private final ObjectMapper mapper = new ObjectMapper();
    private final List<String> warnings = new ArrayList<>();
    private Path workDir;
    private int boots;

    public BochsImplementation(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    @Override
    public String name() {
        return "Bochs (" + settings.cpuModel() + ", runner " + settings.runnerDir() + ")";
    }

    @Override
    public Set<String> domains() {
        return DOMAINS;
    }

    private BatchWriter.Fault fault;
    private String faultVectorId;

    /**
     * Test-only fault injection: the batch that holds the vector {@code vectorId} tells the kernel to do
     * {@code fault} instead of running it (runner/README.md "Fault injection"). Package-private on purpose: neither
     * the command line nor a vector can set it. A later boot (after the run resumed) no longer holds that vector.
     */
    void injectFault(BatchWriter.Fault fault, String vectorId) {
        this.fault = Objects.requireNonNull(fault, "fault");
        this.faultVectorId = Objects.requireNonNull(vectorId, "vectorId");
    }

    /** Boots run so far. */
    public int boots() {
        return boots;
    }

    @Override
    public void evaluate(List<Vector> vectors, ReplySink sink) {
        Reply[] replies = new Reply[vectors.size()];
        List<Integer> runnable = new ArrayList<>();
        for (int i = 0; i < vectors.size(); i++) {
            Optional<Reply> host = hostReply(vectors.get(i));
            if (host.isPresent()) {
                replies[i] = host.get();
                continue;
            }
            runnable.add(i);
        }
        int delivered = 0;
        if (!runnable.isEmpty()) {
            Optional<String> unusable = prepare();
            if (unusable.isPresent()) {
                for (int i : runnable) replies[i] = new Reply.Error(unusable.get());
                runnable.clear();
            }
        }
        int pos = 0;
        while (pos < runnable.size()) {
            List<Integer> batch = runnable.subList(pos, Math.min(runnable.size(), pos + BatchWriter.RECORDS_PER_BOOT));
            BootResult r = boot(vectors, batch);
            for (int k = 0; k < r.replies().size(); k++) replies[batch.get(k)] = r.replies().get(k);
            int answered = r.replies().size();
            if (answered < batch.size()) {
                if (r.setupFailure()) {
                    for (int k = answered; k < runnable.size() - pos; k++) {
                        replies[runnable.get(pos + k)] = new Reply.Error("the Bochs runner could not start: " + r.why());
                    }
                    pos = runnable.size();
                    break;
                }
                // The vector that killed the boot gets the error; the next boot starts after it.
                replies[batch.get(answered)] = new Reply.Error("the Bochs run ended at this vector: " + r.why());
                warnings.add("Bochs boot " + boots + " ended after " + answered + " of " + batch.size()
                        + " vectors (" + r.why() + "); resumed after " + vectors.get(batch.get(answered)).id());
                pos += answered + 1;
            } else {
                pos += batch.size();
            }
            // Deliver every reply that is now known, in order.
            while (delivered < replies.length && replies[delivered] != null) {
                sink.accept(vectors.get(delivered), replies[delivered]);
                delivered++;
            }
        }
        for (; delivered < replies.length; delivered++) {
            sink.accept(vectors.get(delivered), replies[delivered]);
        }
    }

    /**
     * The reply the host gives without the runner (a domain it does not run, bad input, a case it cannot represent),
     * or empty when the vector goes into a batch. Also used for batch files written for other platforms.
     */
    public static Optional<Reply> hostReply(Vector v) {
        if (!DOMAINS.contains(v.domain())) return Optional.of(new Reply.Unsupported(OTHER_DOMAIN));
        Optional<String> bad = v.domain().equals("cr-access") ? crInputProblem(v.input())
                : v.domain().equals("vmx-instruction") ? viInputProblem(v.input())
                : v.domain().equals("ept-walk") ? ewInputProblem(v.input())
                : v.domain().equals("descriptor-table") ? dtInputProblem(v.input()) : inputProblem(v.input());
        if (bad.isPresent()) return Optional.of(new Reply.Error("bad " + v.domain() + " input: " + bad.get()));
        // Instructions and inputs of the domain that the runner does not know are not bad input: unsupported
        // (BatchWriter.viUnsupported).
        return BatchWriter.unsupportedReason(v).map(Reply.Unsupported::new);
    }

    static Optional<String> inputProblem(ObjectNode in) {
        String insn = in.path("instruction").asText("");
        if (!insn.equals("rdmsr") && !insn.equals("wrmsr")) return Optional.of("instruction " + in.path("instruction"));
        String ecx = in.path("ecx").asText("");
        if (!ecx.matches("0[xX][0-9a-fA-F]+") || ecx.replaceFirst("^0[xX]0*", "").length() > 8) {
            return Optional.of("ecx " + in.path("ecx"));
        }
        JsonNode cpl = in.path("cpl");
        if (!cpl.isInt() || cpl.asInt() < 0 || cpl.asInt() > 3) return Optional.of("cpl " + cpl);
        if (!in.path("use_msr_bitmaps").isBoolean()) return Optional.of("use_msr_bitmaps " + in.path("use_msr_bitmaps"));
        JsonNode bitmap = in.path("msr_bitmap");
        if (!bitmap.isObject()) return Optional.of("msr_bitmap " + bitmap);
        for (var it = bitmap.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getKey().matches("0[xX]0*[0-9a-fA-F]{1,3}") || !e.getValue().isTextual()
                    || !e.getValue().asText().matches("0[xX]0*[0-9a-fA-F]{1,2}")) {
                return Optional.of("msr_bitmap entry " + e.getKey() + ": " + e.getValue());
            }
        }
        return Optional.empty();
    }

    private static final String HEX64 = "0[xX]0*[0-9a-fA-F]{1,16}";

    /** Schema problems of a vmx-instruction input (docs/vectors.md 6.4), or empty. */
    static Optional<String> viInputProblem(ObjectNode in) {
        if (!in.path("instruction").isTextual()) return Optional.of("instruction " + in.path("instruction"));
        for (String f : List.of("cr0", "cr4", "efer", "rflags", "ia32_feature_control", "vmx_basic", "vmx_procbased_ctls2",
                "cr0_fixed0", "cr0_fixed1", "cr4_fixed0", "cr4_fixed1", "vmxon_pointer", "current_vmcs_pointer")) {
            if (!in.path(f).asText("").matches(HEX64)) return Optional.of(f + " " + in.path(f));
        }
        if (!in.path("memory").isObject()) return Optional.of("memory " + in.path("memory"));
        return Optional.empty();
    }

    /** Schema problems of an ept-walk input (docs/vectors.md 6.3), or empty. */
    static Optional<String> ewInputProblem(ObjectNode in) {
        for (String f : List.of("eptp", "gpa", "ept_vpid_cap")) {
            if (!in.path(f).isTextual() || !in.path(f).asText().matches(HEX64)) return Optional.of(f + " " + in.path(f));
        }
        if (!BatchWriter.EW_ACCESSES.contains(in.path("access").asText(""))) return Optional.of("access " + in.path("access"));
        for (String f : List.of("guest_paging_structure", "linear_address_valid", "mode_based_execute", "nmi_unblocking_iret")) {
            if (!in.path(f).isBoolean()) return Optional.of(f + " " + in.path(f));
        }
        JsonNode lin = in.path("linear");
        if (!lin.isMissingNode() && !lin.isNull()) {
            if (!lin.isObject()) return Optional.of("linear " + lin);
            for (String f : List.of("user", "writable", "execute_disable")) {
                if (!lin.path(f).isBoolean()) return Optional.of("linear." + f + " " + lin.path(f));
            }
        }
        JsonNode m = in.path("maxphyaddr");
        if (!m.isInt() || m.asInt() < 32 || m.asInt() > 52) return Optional.of("maxphyaddr " + m);
        JsonNode mem = in.path("memory");
        if (!mem.isObject()) return Optional.of("memory " + mem);
        for (var it = mem.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getKey().matches(HEX64) || !e.getValue().isTextual() || !e.getValue().asText().matches(HEX64)) {
                return Optional.of("memory entry " + e.getKey() + ": " + e.getValue());
            }
        }
        return Optional.empty();
    }

    /** Schema problems of a descriptor-table input (docs/vectors.md 6.5), or empty. */
    static Optional<String> dtInputProblem(ObjectNode in) {
        if (!in.path("instruction").isTextual()) return Optional.of("instruction " + in.path("instruction"));
        if (!in.path("mode").isTextual()) return Optional.of("mode " + in.path("mode"));
        JsonNode cpl = in.path("cpl");
        if (!cpl.isInt() || cpl.asInt() < 0 || cpl.asInt() > 3) return Optional.of("cpl " + cpl);
        for (String f : BatchWriter.DT_FIELDS) {
            if (!in.path(f).isTextual() || !in.path(f).asText().matches(HEX64)) return Optional.of(f + " " + in.path(f));
        }
        if (!in.path("descriptor_table_exiting").isBoolean()) {
            return Optional.of("descriptor_table_exiting " + in.path("descriptor_table_exiting"));
        }
        JsonNode reg = in.path("register_operand");
        if (!reg.isMissingNode() && (!reg.isInt() || reg.asInt() < 0 || reg.asInt() > 15)) return Optional.of("register_operand " + reg);
        JsonNode size = in.path("operand_size");
        if (!size.isMissingNode() && (!size.isInt() || !List.of(16, 32, 64).contains(size.asInt()))) {
            return Optional.of("operand_size " + size);
        }
        JsonNode o = in.path("operand");
        if (!o.isMissingNode()) {
            if (!o.isObject()) return Optional.of("operand " + o);
            for (String f : List.of("segment", "base", "index", "scale", "address_size")) {
                if (!o.path(f).isInt()) return Optional.of("operand." + f + " " + o.path(f));
            }
            int seg = o.path("segment").asInt(), asz = o.path("address_size").asInt();
            if (seg < 0 || seg > 5 || o.path("base").asInt() < 0 || o.path("base").asInt() > 15 || o.path("index").asInt() < 0
                    || o.path("index").asInt() > 15 || o.path("scale").asInt() < 0 || o.path("scale").asInt() > 3
                    || (asz != 16 && asz != 32 && asz != 64)) {
                return Optional.of("operand " + o);
            }
            for (String f : List.of("base_valid", "index_valid")) {
                if (!o.path(f).isBoolean()) return Optional.of("operand." + f + " " + o.path(f));
            }
            if (!o.path("displacement").asText("").matches(HEX64)) return Optional.of("operand.displacement " + o.path("displacement"));
        } else if (!reg.isInt() && !List.of("lgdt", "lidt", "sgdt", "sidt").contains(in.path("instruction").asText())) {
            return Optional.of("neither operand nor register_operand");
        }
        return Optional.empty();
    }

    /** Schema problems of a cr-access input (/work/shared/contract/vectors.md), or empty. */
    static Optional<String> crInputProblem(ObjectNode in) {
        String insn = in.path("instruction").asText("");
        if (!BatchWriter.CR_INSTRUCTIONS.contains(insn)) return Optional.of("instruction " + in.path("instruction"));
        if (!BatchWriter.CR_MODES.contains(in.path("mode").asText(""))) return Optional.of("mode " + in.path("mode"));
        JsonNode cpl = in.path("cpl");
        if (!cpl.isInt() || cpl.asInt() < 0 || cpl.asInt() > 3) return Optional.of("cpl " + cpl);
        JsonNode gpr = in.path("gpr");
        if (insn.startsWith("mov") && (!gpr.isInt() || gpr.asInt() < 0 || gpr.asInt() > 15)) return Optional.of("gpr " + gpr);
        if (!gpr.isMissingNode() && !gpr.isNull() && (!gpr.isInt() || gpr.asInt() < 0 || gpr.asInt() > 15)) {
            return Optional.of("gpr " + gpr);
        }
        for (String f : BatchWriter.CR_FIELDS) {
            JsonNode n = in.path(f);
            boolean required = !f.equals("source") || insn.startsWith("mov-to") || insn.equals("lmsw");
            if (n.isMissingNode() && !required) continue;
            if (!n.isTextual() || !n.asText().matches(HEX64)) return Optional.of(f + " " + n);
        }
        if (!in.path("unrestricted_guest").isBoolean()) return Optional.of("unrestricted_guest " + in.path("unrestricted_guest"));
        JsonNode mem = in.path("lmsw_memory_operand");
        if (!mem.isMissingNode() && !mem.isBoolean()) return Optional.of("lmsw_memory_operand " + mem);
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ preparation

    private Optional<String> prepared;

    /** Checks the tools, builds the runner and makes the work directory; empty when Bochs can be used. */
    Optional<String> prepare() {
        if (prepared != null) return prepared;
        prepared = doPrepare();
        prepared.ifPresent(p -> warnings.add(p));
        return prepared;
    }

    private Optional<String> doPrepare() {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("bochs", "make", "gcc", "ld", "objcopy")) {
            if (onPath(tool).isEmpty()) missing.add(tool);
        }
        if (missing.contains("bochs")) {
            return Optional.of("bochs is not installed (not on PATH); install it with: " + INSTALL_HINT);
        }
        if (!missing.isEmpty()) {
            return Optional.of("cannot build the runner: " + String.join(", ", missing)
                    + " not on PATH (apt-get install -y --no-install-recommends make gcc binutils)");
        }
        if (!Files.isRegularFile(settings.runnerDir().resolve("Makefile"))) {
            return Optional.of("no runner at " + settings.runnerDir() + " (expected runner/Makefile in the project)");
        }
        try {
            Process make = new ProcessBuilder("make", "-s", "-C", settings.runnerDir().toString())
                    .redirectErrorStream(true).start();
            make.getOutputStream().close();
            String out = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!make.waitFor(300, TimeUnit.SECONDS) || make.exitValue() != 0) {
                return Optional.of("make -C " + settings.runnerDir() + " failed: " + tail(out, 2000));
            }
            workDir = Files.createTempDirectory("hvmspec-bochs");
        } catch (IOException e) {
            return Optional.of("cannot build or stage the runner: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while building the runner");
        }
        for (String f : List.of("floppy.img", "kernel.bin")) {
            if (!Files.isRegularFile(build().resolve(f))) return Optional.of("make did not produce " + build().resolve(f));
        }
        return Optional.empty();
    }

    /** The work directory made by {@link #prepare()}, deleted by {@link #close()}. */
    Path workDir() {
        return workDir;
    }

    private Path build() {
        return settings.runnerDir().resolve("build").toAbsolutePath();
    }

    static Optional<Path> onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p) && !Files.isDirectory(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------------------------------------ one boot

    /** The replies of one boot, in batch order (possibly fewer than asked), and why it ended early. */
    record BootResult(List<Reply> replies, String why, boolean setupFailure) {}

    private BootResult boot(List<Vector> vectors, List<Integer> batch) {
        boots++;
        try {
            Path dir = workDir;
            List<Path> images = new ArrayList<>();
            for (int k = 0; k * BatchWriter.RECORDS_PER_IMAGE < batch.size(); k++) {
                List<Integer> part = batch.subList(k * BatchWriter.RECORDS_PER_IMAGE,
                        Math.min(batch.size(), (k + 1) * BatchWriter.RECORDS_PER_IMAGE));
                List<Vector> vs = part.stream().map(vectors::get).toList();
                Path img = dir.resolve("batch" + k + ".bin");
                int faultAt = -1;
                for (int i = 0; fault != null && i < vs.size(); i++) if (vs.get(i).id().equals(faultVectorId)) faultAt = i;
                Files.write(img, faultAt < 0 ? BatchWriter.image(vs, part.get(0))
                        : BatchWriter.image(vs, part.get(0), fault, faultAt));
                images.add(img);
            }
            Launch run = launch(bochsrc(images, dir.resolve("bochs.log")));
            // Bochs exits with status 1 after the kernel's shutdown request too; judge by the last line instead.
            String ended = run.ended() + (run.timedOut() ? "" : " before the runner said done");
            return parse(vectors, batch, Files.readAllBytes(run.stdout()), ended, run.stderr());
        } catch (IOException e) {
            return new BootResult(List.of(), "cannot run bochs: " + e.getMessage(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new BootResult(List.of(), "interrupted", true);
        }
    }

    /** One finished Bochs run: where its output went and how it ended ("Bochs exited with status N" or a timeout). */
    record Launch(Path stdout, Path stderr, String ended, boolean timedOut) {}

    /**
     * Runs Bochs headless once with the configuration {@code rc} in the work directory and waits for it, at most the
     * boot timeout (then Bochs and its children are killed). Used for batches and by {@link BochsProbe}.
     */
    Launch launch(String rc) throws IOException, InterruptedException {
        Path dir = workDir();
        Path rcFile = dir.resolve("bochsrc");
        Files.writeString(rcFile, rc);
        Path cmd = dir.resolve("cmd");
        Files.writeString(cmd, "c\n");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process p = new ProcessBuilder("bochs", "-q", "-f", rcFile.toString(), "-rc", cmd.toString())
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        Duration timeout = settings.bootTimeout();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            return new Launch(out, err, "Bochs did not finish within " + timeout.toSeconds() + " s", true);
        }
        return new Launch(out, err, "Bochs exited with status " + p.exitValue(), false);
    }

    /**
     * The replies in one boot's standard output. Every reply must carry the id of the next vector due, so a reply is
     * never counted twice; a second {@code ready} line (the machine was reset and the floppy boot started the batch
     * again: Bochs with {@code reset_on_triple_fault=1}, docs/findings/bochs.md) ends the boot there.
     */
    BootResult parse(List<Vector> vectors, List<Integer> batch, byte[] stdout, String ended, Path err) throws IOException {
        // Bochs's own messages share stdout; only lines that are JSON objects from the kernel count.
        String text = new String(stdout, StandardCharsets.ISO_8859_1);
        List<Reply> replies = new ArrayList<>();
        String fatal = null;
        boolean setup = false;
        boolean done = false;
        boolean ready = false;
        for (String line : text.split("\n")) {
            int at = line.indexOf("{\"");
            if (at < 0) continue;
            String json = line.substring(at).strip();
            JsonNode node;
            try {
                node = mapper.readTree(json);
            } catch (IOException e) {
                continue; // not ours
            }
            if (node == null || !node.isObject()) continue;
            if (node.has("ready")) {
                if (ready) {
                    fatal = "the runner started again after " + replies.size() + " replies (the machine was reset)";
                    break;
                }
                ready = true;
            } else if (node.has("id")) {
                if (replies.size() >= batch.size()) {
                    fatal = "the runner replied to more vectors than it was given";
                    break;
                }
                Vector v = vectors.get(batch.get(replies.size()));
                if (!v.id().equals(node.path("id").asText())) {
                    fatal = "the runner replied for id " + node.path("id") + " where " + v.id() + " was due";
                    break;
                }
                replies.add(toReply(v, (ObjectNode) node));
            } else if (node.has("fatal")) {
                fatal = "runner: " + node.path("fatal").asText();
                setup = node.path("setup").asBoolean(false);
                break;
            } else if (node.has("done")) {
                done = true;
                if (node.path("done").asLong() != batch.size() && fatal == null) {
                    fatal = "the runner said done after " + node.path("done") + " of " + batch.size() + " vectors";
                }
                break;
            }
        }
        if (replies.size() == batch.size() && done) return new BootResult(replies, "", false);
        String why = fatal != null ? fatal : ended;
        String errText = err != null && Files.exists(err) ? new String(Files.readAllBytes(err), StandardCharsets.ISO_8859_1) : "";
        if (fatal == null) {
            // Bochs's panic message names what ended it (a triple fault: "exception(): 3rd (13) exception with no
            // resolution"; docs/findings/bochs.md).
            Optional<String> panic = bochsExitMessage(errText);
            if (panic.isPresent()) why = why + ": " + panic.get();
        }
        if (fatal == null && replies.isEmpty()) {
            why = why + "; no reply at all (stderr: " + tail(errText.replaceAll("(?m)^.*(ALSA|lt_dlhandle|PLUGIN).*\n", ""), 400) + ")";
            setup = !text.contains("{\"ready\"");
        }
        if (replies.size() > batch.size()) replies = replies.subList(0, batch.size());
        return new BootResult(replies, why, setup);
    }

    /** The message of Bochs's "Bochs is exiting with the following message:" block on its standard error, if any. */
    static Optional<String> bochsExitMessage(String stderr) {
        String[] lines = stderr.split("\r?\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].contains("Bochs is exiting with the following message:")) {
                String m = lines[i + 1].replaceFirst("^\\[[^\\]]*\\]\\s*", "").strip();
                return m.isEmpty() ? Optional.empty() : Optional.of("Bochs: " + tail(m, 300));
            }
        }
        return Optional.empty();
    }

    private Reply toReply(Vector v, ObjectNode node) {
        if (node.has("outcome")) {
            JsonNode outcome = node.get("outcome");
            if (!outcome.isObject() || !outcome.path("kind").isTextual()) {
                return new Reply.Error("the runner's outcome is not an object with a kind: " + outcome);
            }
            Optional<String> problem;
            try {
                problem = settings.validator().problem(v.domain(), outcome);
            } catch (RuntimeException e) {
                problem = Optional.of("the outcome validator failed: " + e);
            }
            if (problem.isPresent()) return new Reply.Error("the runner's outcome " + outcome + " is malformed: " + problem.get());
            return new Reply.Outcome((ObjectNode) outcome);
        }
        if (node.has("unsupported")) return new Reply.Unsupported("Bochs runner: " + node.path("unsupported").asText());
        if (node.has("error")) return new Reply.Error("Bochs runner: " + node.path("error").asText());
        return new Reply.Error("the runner's reply has no outcome, unsupported or error: " + node);
    }

    /** The Bochs configuration of one boot (see runner/README.md). */
    String bochsrc(List<Path> images, Path log) {
        StringBuilder s = new StringBuilder();
        s.append("megs: 2048\n"); // vmx-instruction places regions and operands up to 0x80000000
        s.append("cpu: model=").append(settings.cpuModel()).append(", count=1, ips=50000000, reset_on_triple_fault=0\n");
        s.append("clock: sync=none\n");
        s.append("display_library: rfb, options=\"timeout=0\"\n");
        s.append("romimage: file=/usr/share/bochs/BIOS-bochs-latest\n");
        s.append("vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n");
        s.append("floppya: 1_44=").append(build().resolve("floppy.img")).append(", status=inserted\n");
        s.append("boot: floppy\n");
        s.append("floppy_bootsig_check: disabled=1\n");
        s.append("optramimage1: file=").append(build().resolve("kernel.bin")).append(", address=0x100000\n");
        for (int k = 0; k < images.size(); k++) {
            s.append("optramimage").append(k + 2).append(": file=").append(images.get(k))
                    .append(String.format(", address=0x%x%n", BatchWriter.IMAGE_BASE + (long) k * BatchWriter.IMAGE_SIZE));
        }
        s.append("port_e9_hack: enabled=1\n");
        // The kernel also writes every byte to COM1 when it finds a UART there (for hardware and QEMU); Bochs would
        // charge emulated transmission time for each byte, several seconds per boot, so the port is left out.
        s.append("com1: enabled=0\n");
        // Without these, Debian's Bochs aborts ("buffer overflow detected") probing for a sound card.
        s.append("speaker: enabled=0\n");
        s.append("sound: waveoutdrv=dummy\n");
        s.append("error: action=report\n");
        s.append("log: ").append(log).append("\n");
        return s.toString();
    }

    private static String tail(String s, int max) {
        String t = s.strip();
        return t.length() <= max ? t : "..." + t.substring(t.length() - max);
    }

    @Override
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    @Override
    public void close() {
        if (workDir == null) return;
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // Best effort: a temporary directory left behind is harmless.
        }
        workDir = null;
    }
}
