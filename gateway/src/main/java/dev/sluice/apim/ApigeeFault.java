package dev.sluice.apim;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

import com.linecorp.armeria.common.HttpStatus;

import dev.sluice.apim.limit.SpikeArrestRate;
import dev.sluice.openai.JsonEdits;

/**
 * An Apigee fault: the status and the body {@code {"fault":{"faultstring":…,"detail":{"errorcode":…}}}} that Apigee
 * answers with, so that clients and fault-handling written for Apigee keep working. Codes and strings are the ones
 * Apigee returns; where no capture of the text exists, the fault string is the fault's name.
 *
 * @param status the HTTP status: 401 for key faults, 429 for rate faults
 * @param errorCode the {@code detail.errorcode}
 * @param faultString the {@code faultstring}
 */
public record ApigeeFault(HttpStatus status, String errorCode, String faultString) {

    public ApigeeFault {
        requireNonNull(status, "status");
        requireNonNull(errorCode, "errorCode");
        requireNonNull(faultString, "faultString");
    }

    /** No key in the request; {@code variable} is where the key was looked for, e.g. request.header.x-api-key. */
    public static ApigeeFault failedToResolveApiKey(String variable) {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "steps.oauth.v2.FailedToResolveAPIKey",
                               "Failed to resolve API Key variable " + variable);
    }

    /** A key that no app holds. */
    public static ApigeeFault invalidApiKey() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "oauth.v2.InvalidApiKey", "Invalid ApiKey");
    }

    /** A valid key whose products do not cover the request's path and method. */
    public static ApigeeFault invalidApiKeyForGivenResource() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "oauth.v2.InvalidApiKeyForGivenResource",
                               "Invalid ApiKey for given resource");
    }

    /** A revoked key. */
    public static ApigeeFault apiKeyNotApproved() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "oauth.v2.ApiKeyNotApproved", "ApiKey not approved");
    }

    /** A key whose app is revoked. */
    public static ApigeeFault appNotApproved() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "keymanagement.service.invalid_client-app_not_approved",
                               "App not approved");
    }

    /** A key whose developer is inactive. */
    public static ApigeeFault developerStatusNotActive() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "keymanagement.service.DeveloperStatusNotActive",
                               "Developer Status not Active");
    }

    /** A key past its expiry. */
    public static ApigeeFault consumerKeyExpired() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "keymanagement.service.consumer_key_expired",
                               "Consumer key expired");
    }

    /** No product of the key covers the requested model. */
    public static ApigeeFault noApiProductMatchFound() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED,
                               "keymanagement.service.InvalidAPICallAsNoApiProductMatchFound",
                               "Invalid API call as no apiproduct match found");
    }

    /**
     * The shared rate limiter's store did not answer in time and the limiter fails closed. Sluice's own fault:
     * Apigee documents no fault for an unreachable quota store (its distributed quota keeps counting locally and
     * synchronizes later, which amounts to failing open), so the status is a 503 (the request may succeed when
     * retried) in the {@code policies.ratelimit} family that rate-limit fault handling already matches.
     */
    public static ApigeeFault quotaStoreUnavailable() {
        return new ApigeeFault(HttpStatus.SERVICE_UNAVAILABLE, "policies.ratelimit.QuotaStoreUnavailable",
                               "Rate limit quota store unavailable. Retry later");
    }

    /** A request quota is used up; the double space is Apigee's. */
    public static ApigeeFault quotaViolation(String identifier) {
        return new ApigeeFault(HttpStatus.TOO_MANY_REQUESTS, "policies.ratelimit.QuotaViolation",
                               "Rate limit quota violation. Quota limit  exceeded. Identifier : " + identifier);
    }

    /** Requests come faster than the smoothed spike arrest rate. */
    public static ApigeeFault spikeArrestViolation(SpikeArrestRate rate) {
        return new ApigeeFault(HttpStatus.TOO_MANY_REQUESTS, "policies.ratelimit.SpikeArrestViolation",
                               "Spike arrest violation. Allowed rate : " + rate.apigeeDescription());
    }

    /** A token quota is used up (or this request's reservation does not fit in what is left). */
    public static ApigeeFault llmTokenQuotaViolation(String identifier) {
        return new ApigeeFault(HttpStatus.TOO_MANY_REQUESTS, "policies.llmtokenquota.LLMTokenQuotaViolation",
                               "Rate limit LLM Token quota violation. Quota limit exceeded. Identifier : " +
                               identifier);
    }

    /**
     * The APIM Operator's answer, with {@code defaultSecurityEnabled}, to a request without credentials. The status
     * of the captured answer is not known; 401 is what the other credential faults use.
     */
    public static ApigeeFault insufficientRequest() {
        return new ApigeeFault(HttpStatus.UNAUTHORIZED, "steps.raisefault.RaiseFault",
                               "Raising fault. Fault name : RF-insufficient-request-raise-fault");
    }

    /** Returns the fault's name: the last segment of its error code, as Apigee's {@code fault.name}. */
    public String name() {
        return errorCode.substring(errorCode.lastIndexOf('.') + 1);
    }

    /** Returns the JSON body. */
    public byte[] body() {
        final StringBuilder b = new StringBuilder(96 + faultString.length());
        b.append("{\"fault\":{\"faultstring\":\"");
        JsonEdits.appendEscaped(b, faultString);
        b.append("\",\"detail\":{\"errorcode\":\"");
        JsonEdits.appendEscaped(b, errorCode);
        b.append("\"}}}");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
