package dev.hvmspec.bench;

import dev.hvmspec.cli.ModelBridge;
import dev.hvmspec.conformance.check.CheckResult;
import dev.hvmspec.conformance.check.Checker;
import dev.hvmspec.conformance.impl.AdapterImplementation;
import dev.hvmspec.conformance.impl.AdapterSettings;
import dev.hvmspec.conformance.impl.Implementation;
import dev.hvmspec.conformance.impl.ReplySink;
import dev.hvmspec.conformance.vectors.Vector;
import dev.hvmspec.model.Models;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The harness checking every vector through {@code java -jar cli/target/hvmspec.jar adapter}, as
 * {@code hvmspec check --adapter} does (same settings and outcome validator). The adapter is started once per trial
 * and answers a first full batch in the setup, so its JVM start-up is not measured; it then stays up between
 * invocations (AdapterImplementation.evaluateKeepingAdapter). Both JVMs warm up in the warm-up iterations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdapterBenchmark {

    private List<Vector> vectors;
    private AdapterImplementation adapter;
    private Implementation kept;

    @Setup(Level.Trial)
    public void start() {
        vectors = Project.vectors();
        String command = "java -jar '" + Project.root().resolve("cli/target/hvmspec.jar") + "' adapter";
        adapter = new AdapterImplementation(AdapterSettings.of(command).withValidator(ModelBridge.validator(Models.all())));
        kept = new KeptAdapter(adapter);
        // Starts the adapter JVM and warms the conversation up; not measured.
        run();
    }

    @Benchmark
    public CheckResult check(Project.Counters counters) {
        CheckResult result = run();
        counters.vectors += vectors.size();
        return result;
    }

    private CheckResult run() {
        CheckResult result = new Checker().run(vectors, kept);
        if (result.exitStatus() != 0 || adapter.restarts() != 0) {
            throw new IllegalStateException("the adapter run did not pass cleanly: " + result.warnings());
        }
        return result;
    }

    @TearDown(Level.Trial)
    public void stop() {
        adapter.close();
        if (!adapter.warnings().isEmpty()) {
            throw new IllegalStateException("adapter warnings: " + adapter.warnings());
        }
    }

    /** The adapter seen by the Checker, minus the end-of-run shutdown, so one process serves the whole trial. */
    private record KeptAdapter(AdapterImplementation adapter) implements Implementation {
        @Override
        public String name() {
            return adapter.name();
        }

        @Override
        public Set<String> domains() {
            return adapter.domains();
        }

        @Override
        public void evaluate(List<Vector> vectors, ReplySink sink) {
            adapter.evaluateKeepingAdapter(vectors, sink);
        }

        @Override
        public List<String> warnings() {
            return adapter.warnings();
        }

        @Override
        public void close() {
            // The trial's teardown closes the adapter.
        }
    }
}
