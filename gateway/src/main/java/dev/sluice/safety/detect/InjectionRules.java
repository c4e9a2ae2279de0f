package dev.sluice.safety.detect;

import java.util.List;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;

/**
 * Lexical signs of prompt injection and jailbreak: instruction-override phrases, persona switches to an unrestricted
 * model ("you are now DAN", developer mode), system-prompt extraction, instructions to decode and obey an encoded
 * payload, markdown-image exfiltration, hidden HTML comments addressed to the assistant and GCG-style adversarial
 * suffixes. Each rule carries the
 * confidence it alone justifies; ordinary uses of the same words ("ignore my previous email") are not matched.
 * Stateless and thread-safe.
 */
public final class InjectionRules {

    /** One rule: a name for logs and tests, its pattern and the confidence a match justifies. */
    record Rule(String name, Pattern pattern, Confidence confidence, String... anchors) {}

    private static final String DET = "(?:all|any|every|each|the|your|my|these|those|previous|prior|above|preceding|"
            + "earlier|former|original|initial|system|safety|ethical|existing|current|old|default)";
    private static final String OBJ = "(?:instructions?|prompts?|rules|directives?|guidelines|constraints|programming|"
            + "restrictions|filters|policies|polic(?:y|ies)|guardrails|safeguards|training|commands|context|orders)";

    static final List<Rule> RULES = List.of(
            new Rule("override-instructions", Pattern.compile(
                    "(?i)\\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon|neglect|discard)\\s+(?:about\\s+)?"
                            + "(?:" + DET + "\\s+){1,3}(?:of\\s+(?:the|your)\\s+)?" + OBJ + "\\b"), Confidence.HIGH, "ignore", "disregard", "forget", "override", "bypass", "skip", "drop", "abandon", "neglect", "discard"),
            new Rule("new-instructions", Pattern.compile(
                    "(?i)(?:^|\\n|\\]|\\.)\\s*(?:new|updated|real|actual|revised)\\s+(?:system\\s+)?instructions?\\s*:"),
                    Confidence.MEDIUM, "instruction", "instructions"),
            new Rule("fake-system-message", Pattern.compile(
                    "(?i)\\[(?:system|admin|developer)(?:\\s+(?:note|message|override|prompt))?\\]|<\\|?(?:system|im_start)\\|?>|"
                            + "\\bsystem\\s+(?:override|note to (?:the )?(?:ai|assistant|model))\\b"), Confidence.MEDIUM, "~[system", "~[admin", "~[developer", "~<|", "~<system", "~<im_start", "system"),
            new Rule("unrestricted-persona", Pattern.compile(
                    "(?i)\\b(?:you are|you're|act as|pretend to be|become|roleplay as)\\s+(?:now\\s+)?(?:a\\s+|an\\s+)?"
                            + "(?:DAN|STAN|DUDE|AIM|jailbroken|unrestricted|unfiltered|uncensored|evil|amoral)\\b"),
                    Confidence.HIGH, "dan", "stan", "dude", "aim", "jailbroken", "unrestricted", "unfiltered", "uncensored", "evil", "amoral"),
            new Rule("do-anything-now", Pattern.compile("(?i)\\bdo anything now\\b|\\bDAN mode\\b|\\bjailbreak(?:ed)? mode\\b"),
                    Confidence.HIGH, "anything", "dan", "jailbreak", "jailbreaked"),
            new Rule("developer-mode", Pattern.compile(
                    "(?i)\\b(?:developer|god|debug|sudo|admin) mode (?:enabled|activated|on|output)\\b|"
                            + "\\benable (?:developer|god|sudo) mode\\b"), Confidence.HIGH, "mode"),
            new Rule("no-restrictions", Pattern.compile(
                    "(?i)\\b(?:without|free (?:of|from)|no longer bound by|not bound by|no)\\s+(?:any\\s+)?"
                            + "(?:ethical|moral|content|safety)?\\s*(?:restrictions|filters|censorship|guidelines|limitations|"
                            + "rules|boundaries)\\b.{0,60}\\b(?:answer|respond|reply|comply|output|tell)"), Confidence.MEDIUM, "restrictions", "filters", "censorship", "guidelines", "limitations", "rules", "boundaries",
                    "+answer", "+respond", "+reply", "+comply", "+output", "+tell"),
            new Rule("system-prompt-extraction", Pattern.compile(
                    "(?i)\\b(?:reveal|print|show|output|repeat|leak|display|tell me|give me|write out|recite|spell out|dump)\\s+"
                            + "(?:me\\s+)?(?:all\\s+)?(?:your|the)\\s+(?:full\\s+|entire\\s+|exact\\s+|original\\s+|hidden\\s+|secret\\s+)?"
                            + "(?:system prompt|system message|initial (?:prompt|instructions)|hidden instructions|"
                            + "instructions (?:above|you were given)|prompt above|pre-?prompt|developer (?:prompt|message))"),
                    Confidence.HIGH, "reveal", "print", "show", "output", "repeat", "leak", "display", "tell", "give", "write", "recite",
                    "spell", "dump", "+prompt", "+message", "+instructions", "+preprompt"),
            new Rule("repeat-words-above", Pattern.compile(
                    "(?i)\\brepeat (?:the|all) (?:words|text|everything) above\\b|\\bwhat (?:was|were) (?:written|your instructions) "
                            + "(?:above|before this)\\b"), Confidence.HIGH, "repeat", "what", "+above", "+before"),
            new Rule("encoded-payload", Pattern.compile(
                    "(?i)\\b(?:decode|decipher|translate|convert)\\s+(?:this|the following|the (?:text|string|message)(?: below)?)"
                            + "(?:\\s+from\\s+(?:base64|base32|rot13|hex|binary|morse))?.{0,40}\\b(?:and|then)\\s+"
                            + "(?:follow|execute|do|obey|carry out|answer|respond to|act on)"), Confidence.MEDIUM, "decode", "decipher", "translate", "convert", "+follow", "+execute", "+do", "+obey",
                    "+carry", "+answer", "+respond", "+act"),
            new Rule("markdown-image-exfiltration", Pattern.compile(
                    "!\\[[^\\]]*\\]\\(https?://[^)\\s]+[?&][a-z_]+=(?:\\{|\\[|%7b|\\$|<)", Pattern.CASE_INSENSITIVE),
                    Confidence.HIGH, "~]("),
            new Rule("hidden-comment-to-assistant", Pattern.compile(
                    "(?is)<!--.{0,200}?\\b(?:assistant|ai|model|chatbot|llm|gpt|claude|instructions?)\\b.{0,200}?-->"),
                    Confidence.MEDIUM, "~<!--"),
            new Rule("assistant-addressed-in-document", Pattern.compile(
                    "(?i)\\b(?:AI|assistant|language model|chatbot|LLM)s?\\s*(?:reading|processing|summari[sz]ing) this\\b"),
                    Confidence.MEDIUM, "reading", "processing", "summarizing", "summarising"),
            new Rule("refusal-suppression", Pattern.compile(
                    "(?i)\\b(?:never|do not|don't|must not)\\s+(?:refuse|decline|apologi[sz]e|add (?:any )?(?:warnings|disclaimers))\\b"
                            + ".{0,80}\\b(?:never|do not|don't)\\s+(?:refuse|decline|apologi[sz]e|mention|say)"), Confidence.MEDIUM, "refuse", "decline", "apologize", "apologise", "warnings", "disclaimers"));

    /**
     * A GCG-style adversarial suffix: optimisation-generated token soup appended to a one-line request ("… electrons
     * [ [", "… ]=setAttribute^{+sizeof … [", "! ! ! … [ [ [before ["). Its shape, not its words, is the sign, so it is
     * checked by {@link #adversarialSuffix(String)} rather than by the pattern alone (which only finds the "[").
     */
    static final Rule ADVERSARIAL_SUFFIX = new Rule("adversarial-suffix", Pattern.compile("\\["), Confidence.MEDIUM, "~[");

    /** How many trailing whitespace-separated tokens the adversarial-suffix check looks at. */
    static final int SUFFIX_TOKENS = 30;

    /**
     * Whether {@code text} is a single line whose last {@link #SUFFIX_TOKENS} tokens open at least two more square
     * brackets than they close and hold at least three odd tokens (bare punctuation runs, or letters mixed with
     * brackets, braces, carets, equals signs, underscores or backslashes). Code, lists, citations ({@code [1]}) and
     * markdown links balance their brackets, and documents have several lines.
     */
    static boolean adversarialSuffix(String text) {
        String t = text.strip();
        if (t.indexOf('\n') >= 0) {
            return false;
        }
        String[] tokens = t.split("\\s+");
        int unclosed = 0;
        int odd = 0;
        for (int i = Math.max(0, tokens.length - SUFFIX_TOKENS); i < tokens.length; i++) {
            String x = tokens[i];
            for (int k = 0; k < x.length(); k++) {
                char c = x.charAt(k);
                unclosed += c == '[' ? 1 : c == ']' ? -1 : 0;
            }
            if (BARE_PUNCTUATION.matcher(x).matches() || LETTERS_WITH_CODE_MARKS.matcher(x).find()) {
                odd++;
            }
        }
        return unclosed >= 2 && odd >= 3;
    }

    private static final Pattern BARE_PUNCTUATION = Pattern.compile("[\\[\\]!(){}^=_\\\\@;`|~<>+*-]+");
    private static final Pattern LETTERS_WITH_CODE_MARKS = Pattern.compile(
            "[A-Za-z].*[\\[\\]{}^=_\\\\]|[\\[\\]{}^=_\\\\].*[A-Za-z]");

    /** The rule that matches with the highest confidence, or {@code null}. */
    public @Nullable Rule strongest(String text) {
        return strongest(new TextView(text));
    }

    @Nullable Rule strongest(TextView view) {
        Rule best = null;
        for (Rule r : RULES) {
            if ((best == null || r.confidence().compareTo(best.confidence()) > 0) && view.hasAny(r.anchors())
                    && r.pattern().matcher(view.text).find()) {
                best = r;
                if (best.confidence() == Confidence.HIGH) {
                    break;
                }
            }
        }
        if (best == null && view.hasAny(ADVERSARIAL_SUFFIX.anchors()) && adversarialSuffix(view.text)) {
            best = ADVERSARIAL_SUFFIX;
        }
        return best;
    }

    /** The confidence the rules alone give {@code text}, or {@code null} when none matches. */
    public @Nullable Confidence confidence(String text) {
        return confidence(new TextView(text));
    }

    @Nullable Confidence confidence(TextView view) {
        Rule r = strongest(view);
        return r == null ? null : r.confidence();
    }
}
