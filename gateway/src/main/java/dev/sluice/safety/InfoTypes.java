package dev.sluice.safety;

import java.util.Set;

/**
 * The sensitive-data info types the detectors report, named as Google's Sensitive Data Protection names them so that
 * Model Armor templates and their results read the same.
 */
public final class InfoTypes {

    public static final String CREDIT_CARD_NUMBER = "CREDIT_CARD_NUMBER";
    public static final String US_SOCIAL_SECURITY_NUMBER = "US_SOCIAL_SECURITY_NUMBER";
    public static final String US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER =
            "US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER";
    public static final String IBAN_CODE = "IBAN_CODE";
    public static final String FINANCIAL_ACCOUNT_NUMBER = "FINANCIAL_ACCOUNT_NUMBER";
    public static final String GCP_CREDENTIALS = "GCP_CREDENTIALS";
    public static final String GCP_API_KEY = "GCP_API_KEY";
    public static final String AWS_CREDENTIALS = "AWS_CREDENTIALS";
    /** Bearer-style secrets of other services: GitHub, OpenAI, Slack, Stripe tokens and the like. */
    public static final String AUTH_TOKEN = "AUTH_TOKEN";
    /** PEM private keys. */
    public static final String ENCRYPTION_KEY = "ENCRYPTION_KEY";
    public static final String PASSWORD = "PASSWORD";

    /**
     * The types a template's {@code sdpSettings.basicConfig} inspects: the sanitize page's list for US regions
     * (Google's pages disagree; this is the union of the two, see {@code reference/model-armor-apigee.md} A.1.4).
     */
    public static final Set<String> BASIC = Set.of(
            CREDIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER, US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER,
            FINANCIAL_ACCOUNT_NUMBER, GCP_CREDENTIALS, GCP_API_KEY, PASSWORD);

    /** Every type the detectors can report. */
    public static final Set<String> ALL = Set.of(
            CREDIT_CARD_NUMBER, US_SOCIAL_SECURITY_NUMBER, US_INDIVIDUAL_TAXPAYER_IDENTIFICATION_NUMBER, IBAN_CODE,
            FINANCIAL_ACCOUNT_NUMBER, GCP_CREDENTIALS, GCP_API_KEY, AWS_CREDENTIALS, AUTH_TOKEN, ENCRYPTION_KEY,
            PASSWORD);

    private InfoTypes() {}
}
