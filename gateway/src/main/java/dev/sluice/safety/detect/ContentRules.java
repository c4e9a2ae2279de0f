package dev.sluice.safety.detect;

import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import dev.sluice.safety.Confidence;
import dev.sluice.safety.RaiCategory;

/**
 * Lexicons for the responsible-AI categories and the CSAM rule. They catch only the unmistakable cases (a direct
 * threat, a recipe request for a weapon of mass harm, explicit sexual vocabulary, a slur) and leave the rest to the
 * learned stage. CSAM is matched when sexual vocabulary and a minor appear close together; a child-health question
 * ("my 8 year old has a rash on her genitals") is not sexual vocabulary and is not matched. Thread-safe.
 */
public final class ContentRules {

    private static final Pattern THREAT = Pattern.compile(
            "(?i)\\b(?:i(?:'m| am)? (?:going to|gonna|will|'ll)|we(?:'re| are)? (?:going to|gonna|will))\\s+"
                    + "(?:kill|murder|shoot|stab|rape|hurt|beat|strangle|find and kill|burn down)\\s+(?:you|u|your|him|her|them)\\b|"
                    + "\\b(?:kill|hang|shoot) yourself\\b|\\bkys\\b|\\byou (?:deserve|ought) to (?:die|be raped|be shot)\\b|"
                    + "\\bi know where you live\\b");
    private static final Pattern DANGEROUS_RECIPE = Pattern.compile(
            "(?i)\\b(?:how (?:do i|to|can i|would i)|steps to|instructions (?:for|to)|recipe for|guide to|teach me to|help me)\\s+"
                    + "(?:make|build|synthesi[sz]e|cook|produce|manufacture|create|assemble|brew|extract|weaponi[sz]e)\\s+"
                    + "(?:a |an |some |homemade |my own )?(?:pipe bomb|bomb|ied|explosives?|napalm|thermite|molotov|"
                    + "nerve agent|sarin|vx|ricin|anthrax|mustard gas|chlorine gas|meth(?:amphetamine)?|fentanyl|heroin|"
                    + "crack cocaine|ghost gun|untraceable (?:gun|firearm)|silencer|bioweapon|chemical weapon|dirty bomb|"
                    + "poison (?:to|that))\\b");
    private static final Pattern SEXUAL = Pattern.compile(
            "(?i)\\b(?:porn(?:ographic|o)?|nude|naked|blowjob|handjob|orgasm|masturbat\\w*|erotic|explicit sex|sex scene|"
                    + "having sex|have sex|sexual(?:ly)? (?:explicit|acts?|intercourse|content|fantas\\w+)|penis|vagina|"
                    + "clitoris|cum(?:shot|ming)?|horny|fuck(?:ing)? (?:her|him|me)|sexting|lewd|fetish|bdsm|hentai|"
                    + "stripping|strip tease|genitals?|breasts?|boobs|nipples?|seduc\\w+|aroused|intimate (?:photos|pictures|acts))\\b");
    private static final Pattern EXPLICIT_SEXUAL = Pattern.compile(
            "(?i)\\b(?:porn(?:ographic|o)?|blowjob|handjob|orgasm|masturbat\\w*|explicit sex|cumshot|hentai|"
                    + "sexually explicit|graphic sex|erotic (?:story|scene|roleplay))\\b");
    private static final Pattern MINOR = Pattern.compile(
            "(?i)\\b(?:child(?:ren)?|kids?|minors?|underage|under-age|preteens?|pre-teens?|toddlers?|infants?|bab(?:y|ies)|"
                    + "little (?:girl|boy)s?|young (?:girl|boy)s?|schoolgirls?|schoolboys?|(?:[1-9]|1[0-7])[- ]?(?:yo|y/o|year[- ]olds?)|"
                    + "loli|shota|pedo\\w*|paedo\\w*|jailbait|teen(?:ager)?s?|\\w*(?:grade|middle school|elementary) (?:student|pupil)s?)\\b");
    /** Medical, safety and educational framing: words that mark a child-health or child-protection question. */
    private static final Pattern PROTECTIVE = Pattern.compile(
            "(?i)\\b(?:doctor|pediatrician|paediatrician|rash|infection|symptoms?|diagnos\\w*|treatment|hygiene|puberty|"
                    + "vaccine|health|talk to (?:my|our) (?:child|kid|son|daughter)|protect|report(?:ing)?|abuse (?:prevention|hotline)|"
                    + "grooming signs|warning signs|safe(?:ty)?|consent education|sex education|body safety)\\b");
    private static final Pattern CSAM_TERMS = Pattern.compile(
            "(?i)\\bcsam\\b|\\bchild porn\\w*|\\bkiddie porn\\b|\\bpedo(?:phile)? (?:material|content|pics)\\b|\\bjailbait\\b");
    /**
     * Unambiguous slurs (a short list on purpose: the learned stage covers hateful statements without them; words
     * with ordinary meanings are left out because they would flag counter-speech and reclaimed use too).
     */
    private static final Pattern SLUR = Pattern.compile(
            "(?i)\\b(?:n[i1]gg(?:er|a)s?|k[i1]kes?|sp[i1]cs?|ch[i1]nks?|wetbacks?|f[a@]gg?(?:ot)?s?|tr[a@]nn(?:y|ies)|"
                    + "r[a@]gheads?|towelheads?|sandn[i1]gg\\w*|g[o0]oks?|coons?|beaners?|dykes?)\\b");
    private static final Pattern DEHUMANISE = Pattern.compile(
            "(?i)\\b(?:all|those|these|the)\\s+\\w+s?\\s+(?:are|is)\\s+(?:vermin|animals|subhuman|cockroaches|rats|parasites|"
                    + "a disease|a plague|filth|trash)\\b|\\b(?:exterminate|gas|deport) (?:all|the) \\w+");

    /** The confidence per category that the lexicons alone justify (empty when nothing matches). */
    public Map<RaiCategory, Confidence> rai(String text) {
        return rai(new TextView(text));
    }

    private static final String[] THREAT_ANCHORS = {"kill", "murder", "shoot", "stab", "rape", "hurt", "beat", "strangle",
        "burn", "hang", "kys", "die", "raped", "shot", "live"};
    private static final String[] RECIPE_ANCHORS = {"make", "build", "synthesize", "synthesise", "cook", "produce",
        "manufacture", "create", "assemble", "brew", "extract", "weaponize", "weaponise"};
    private static final String[] EXPLICIT_ANCHORS = {"porn*", "blowjob", "handjob", "orgasm", "masturbat*", "explicit",
        "cumshot", "hentai", "graphic", "erotic"};
    private static final String[] SLUR_ANCHORS = {"nigg*", "n1gg*", "kike*", "k1ke*", "spic*", "sp1c*", "chink*",
        "ch1nk*", "wetback*", "fag*", "~f@g", "tranny", "trannies", "~tr@nn", "raghead*", "~r@ghead", "towelhead*",
        "sandn*", "gook*", "g0ok*", "coon", "coons", "beaner*", "dyke*"};
    private static final String[] DEHUMANISE_ANCHORS = {"vermin", "animals", "subhuman", "cockroaches", "rats",
        "parasites", "disease", "plague", "filth", "trash", "exterminate", "gas", "deport"};
    private static final String[] SEXUAL_ANCHORS = {"porn*", "nude", "naked", "blowjob", "handjob", "orgasm",
        "masturbat*", "erotic", "explicit", "sex", "sexual*", "penis", "vagina", "clitoris", "cum*", "horny", "fuck*",
        "sexting", "lewd", "fetish", "bdsm", "hentai", "stripping", "strip", "genital*", "breast*", "boobs", "nipple*",
        "seduc*", "aroused", "intimate"};
    private static final String[] CSAM_ANCHORS = {"csam", "child", "kiddie", "pedo", "pedophile", "jailbait"};

    Map<RaiCategory, Confidence> rai(TextView view) {
        String text = view.text;
        Map<RaiCategory, Confidence> out = new EnumMap<>(RaiCategory.class);
        if (view.hasAny(THREAT_ANCHORS) && THREAT.matcher(text).find()) {
            out.put(RaiCategory.HARASSMENT, Confidence.HIGH);
        }
        if (view.hasAny(RECIPE_ANCHORS) && DANGEROUS_RECIPE.matcher(text).find()) {
            out.put(RaiCategory.DANGEROUS, Confidence.HIGH);
        }
        if (view.hasAny(EXPLICIT_ANCHORS) && EXPLICIT_SEXUAL.matcher(text).find()) {
            out.put(RaiCategory.SEXUALLY_EXPLICIT, Confidence.MEDIUM);
        }
        if (view.hasAny(SLUR_ANCHORS) && SLUR.matcher(text).find()) {
            out.put(RaiCategory.HATE_SPEECH, Confidence.MEDIUM);
        }
        if (view.hasAny(DEHUMANISE_ANCHORS) && DEHUMANISE.matcher(text).find()) {
            out.put(RaiCategory.HATE_SPEECH, Confidence.HIGH);
        }
        return out;
    }

    /** The CSAM rule: explicit CSAM terms, or sexual vocabulary near a minor without protective framing. */
    public @Nullable Confidence csam(String text) {
        return csam(new TextView(text));
    }

    @Nullable Confidence csam(TextView view) {
        String text = view.text;
        if (view.hasAny(CSAM_ANCHORS) && CSAM_TERMS.matcher(text).find()) {
            return Confidence.HIGH;
        }
        if (!view.hasAny(SEXUAL_ANCHORS)) {
            return null;
        }
        var sexual = SEXUAL.matcher(text);
        while (sexual.find()) {
            int from = Math.max(0, sexual.start() - 120);
            int to = Math.min(text.length(), sexual.end() + 120);
            if (MINOR.matcher(text).region(from, to).find()) {
                if (PROTECTIVE.matcher(text).find()) {
                    // A health or protection question that names a body part; only explicit vocabulary still counts.
                    return EXPLICIT_SEXUAL.matcher(text).region(from, to).find() ? Confidence.HIGH : null;
                }
                return EXPLICIT_SEXUAL.matcher(text).region(from, to).find() ? Confidence.HIGH : Confidence.MEDIUM;
            }
        }
        return null;
    }
}
