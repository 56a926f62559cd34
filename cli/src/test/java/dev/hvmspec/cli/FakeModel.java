package dev.hvmspec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hvmspec.model.runtime.DomainModel;
import dev.hvmspec.model.runtime.Evaluation;
import dev.hvmspec.model.runtime.InvalidInputException;
import dev.hvmspec.model.runtime.RuleInfo;
import dev.hvmspec.model.runtime.SdmRef;
import dev.hvmspec.model.runtime.Trace;
import java.util.List;

/** Domain {@code d1}: input {"x": hex} gives outcome {"kind":"ok","v": x}; anything else is invalid. */
final class FakeModel implements DomainModel {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final RuleInfo RULE = new RuleInfo("D1-ECHO", "echoes x", new SdmRef("3C", "1.1", "Test"));

    @Override
    public String domain() {
        return "d1";
    }

    @Override
    public Evaluation evaluate(JsonNode input, Trace trace) throws InvalidInputException {
        if (input.size() != 1 || !input.path("x").isTextual()) {
            throw new InvalidInputException("/x", "expected exactly one key x holding a hex string");
        }
        if (input.get("x").textValue().equals("0xdead")) {
            throw new IllegalStateException("model bug");
        }
        trace.rule(RULE, true);
        ObjectNode outcome = MAPPER.createObjectNode().put("kind", "ok").put("v", input.get("x").textValue());
        return new Evaluation(List.of(outcome), List.of());
    }

    @Override
    public void checkOutcome(JsonNode outcome) throws InvalidInputException {
        if (!outcome.path("v").isTextual()) {
            throw new InvalidInputException("/v", "must be a hex string");
        }
    }

    @Override
    public List<RuleInfo> rules() {
        return List.of(RULE);
    }

    /** Serves the fake model over the adapter protocol, for end-to-end tests through a real process. */
    public static void main(String[] args) {
        System.exit(Main.execute(new Main(System.in, System.out, System.err, () -> List.of(new FakeModel())), "adapter"));
    }
}
