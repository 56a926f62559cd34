package dev.hvmspec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.conformance.bochs.BatchWriter;
import dev.hvmspec.conformance.bochs.BochsImplementation;
import dev.hvmspec.conformance.impl.Reply;
import dev.hvmspec.conformance.vectors.Vector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code hvmspec batches}: the runner's batch images for a vector set, to boot the runner outside Bochs. */
@Command(name = "batches", mixinStandardHelpOptions = true,
        description = {"Write the runner's batch images for the vectors into DIR, for booting runner/build/hvmspec-runner.elf",
            "on hardware or in a KVM guest (docs/running-on-hardware.md): batch-NNN.bin with up to "
                + BatchWriter.RECORDS_PER_IMAGE + " vectors each,",
            "given three at a time as multiboot modules (batch-000..002 in the first boot, 003..005 in the next, ...),",
            "and host-replies.jsonl, the replies for the vectors that go into no batch (domains the runner does not",
            "run, inputs it cannot represent). Check the serial log together with host-replies.jsonl:",
            "  cat DIR/host-replies.jsonl log.txt > results.txt; hvmspec check --vectors FILE --results results.txt",
            "Exit status: 0, or 2 for unreadable vectors or an unusable DIR."})
final class BatchesCommand implements Callable<Integer> {

    static final String HOST_REPLIES = "host-replies.jsonl";
    private static final Pattern BATCH_FILE = Pattern.compile("batch-\\d{3,}\\.bin");

    @ParentCommand
    private Main main;

    @Mixin
    private VectorOptions vectorOptions = new VectorOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Directory for the files (created if missing; must not hold batch files already).")
    private Path out;

    @Override
    public Integer call() {
        Optional<List<Vector>> read = vectorOptions.read(main, "batches");
        if (read.isEmpty()) return Main.USAGE;
        List<Vector> vectors = read.get();
        try {
            Files.createDirectories(out);
            try (Stream<Path> files = Files.list(out)) {
                Optional<Path> old = files.filter(f -> BATCH_FILE.matcher(f.getFileName().toString()).matches()).findFirst();
                if (old.isPresent()) {
                    main.err().println("hvmspec batches: " + out + " already holds batch files (" + old.get().getFileName()
                            + "); use an empty directory so that no stale batch is booted");
                    return Main.USAGE;
                }
            }
        } catch (IOException e) {
            main.err().println("hvmspec batches: cannot use " + out + ": " + e.getMessage());
            return Main.USAGE;
        }
        ObjectMapper mapper = new ObjectMapper();
        List<Integer> runnable = new ArrayList<>();
        StringBuilder hostReplies = new StringBuilder();
        for (int i = 0; i < vectors.size(); i++) {
            Optional<Reply> reply = BochsImplementation.hostReply(vectors.get(i));
            if (reply.isEmpty()) {
                runnable.add(i);
                continue;
            }
            ObjectNode line = mapper.createObjectNode().put("id", vectors.get(i).id());
            if (reply.get() instanceof Reply.Unsupported u) line.put("unsupported", u.reason());
            else if (reply.get() instanceof Reply.Error e) line.put("error", e.reason());
            hostReplies.append(line).append('\n');
        }
        int files = 0;
        try {
            for (int start = 0; start < runnable.size(); start += BatchWriter.RECORDS_PER_IMAGE, files++) {
                List<Integer> part = runnable.subList(start, Math.min(runnable.size(), start + BatchWriter.RECORDS_PER_IMAGE));
                byte[] image = BatchWriter.image(part.stream().map(vectors::get).toList(), part.get(0));
                Files.write(out.resolve(String.format("batch-%03d.bin", files)), image);
            }
            Files.writeString(out.resolve(HOST_REPLIES), hostReplies, StandardCharsets.UTF_8);
        } catch (IOException e) {
            main.err().println("hvmspec batches: cannot write into " + out + ": " + e.getMessage());
            return Main.USAGE;
        }
        int boots = (files + BatchWriter.IMAGES - 1) / BatchWriter.IMAGES;
        main.out().println("wrote " + files + " batch file" + (files == 1 ? "" : "s") + " (" + runnable.size()
                + " vectors, " + boots + " boot" + (boots == 1 ? "" : "s") + " of up to " + BatchWriter.IMAGES
                + " modules) and " + HOST_REPLIES + " (" + (vectors.size() - runnable.size()) + " vectors) to " + out);
        return Main.OK;
    }
}
