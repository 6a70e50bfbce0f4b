using System.Text.Json;

namespace AgentService.Runtime.Tests.Infrastructure;

/// <summary>JSON the scripted service sends.</summary>
public static class Frames
{
    public static string AttachReply(string connectionId, int heartbeatIntervalMs, string effectiveJson, string? leaseExpiresAt = null) =>
        $$"""
        {"runtimeConnectionId":"{{connectionId}}","sessionId":"{{Ids.Session}}","runId":"{{Ids.Run}}","heartbeatIntervalMs":{{heartbeatIntervalMs}},
         "leaseExpiresAt":"{{leaseExpiresAt ?? "2026-03-01T12:00:30.000Z"}}","configVersion":"cfg-17","effectiveSdkCapabilities":{{effectiveJson}}}
        """;

    /// <summary>Every declared capability granted as declared.</summary>
    public static string EffectiveFromRequest(JsonElement attach) => attach.GetProperty("params").GetProperty("sdkCapabilities").GetRawText();

    /// <summary>The declared capabilities with <paramref name="denied"/> answered <c>unsupported</c>.</summary>
    public static string EffectiveDenying(JsonElement attach, params string[] denied) =>
        "[" + string.Join(",", attach.GetProperty("params").GetProperty("sdkCapabilities").EnumerateArray().Select(c =>
        {
            var name = c.GetProperty("name").GetString()!;
            var level = denied.Contains(name) ? "unsupported" : c.GetProperty("supportLevel").GetString();
            return $$"""{"surface":"{{c.GetProperty("surface").GetString()}}","name":"{{name}}","supportLevel":"{{level}}"}""";
        })) + "]";

    public static string Delivery(string deliveryId, int? sequence, string kind, string payloadJson, string runId = Ids.Run, string attemptId = Ids.Attempt,
        int deliveryCount = 1, string? expiresAt = null, string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") =>
        $$"""
        {"deliveryId":"{{deliveryId}}","runId":"{{runId}}","attemptId":"{{attemptId}}","sessionId":"{{Ids.Session}}",{{(sequence is null ? "" : $"\"sequence\":{sequence},")}}
         "kind":"{{kind}}","payload":{{payloadJson}},"deliveryCount":{{deliveryCount}},"createdAt":"2026-03-01T12:00:31.147Z",
         {{(expiresAt is null ? "" : $"\"expiresAt\":\"{expiresAt}\",")}}"traceparent":"{{traceparent}}"}
        """;

    public const string TaskStartPayload = """{"task":{"title":"Echo","instructions":"say hi"},"agent":{"name":"echo","version":"1.0.0"}}""";

    public const string MessagePayload = """{"message":{"messageId":"client-msg-1","role":"user","content":[{"type":"text","text":"hi"}]}}""";

    public const string CancelPayload = """{"mode":"immediate","reason":"User stopped the task.","requestedBy":{"type":"user","id":"user-42"}}""";

    public static string StepPayload(string stepId, string input) =>
        "{\"stepId\":\"" + stepId + "\",\"value\":{\"input\":\"" + input + "\",\"additional_input\":{\"k\":1}}}";

    public static string ResumePayload(int inputCursor, int nextOutputSeq, int attemptNumber = 2) =>
        $$"""{"reason":"new_attempt","attemptNumber":{{attemptNumber}},"inputCursor":{{inputCursor}},"nextOutputSeq":{{nextOutputSeq}}}""";

    /// <summary>The <c>result.accepted</c> of a response frame (asserts it is a success).</summary>
    public static bool Accepted(JsonElement response) => response.GetProperty("result").GetProperty("accepted").GetBoolean();
}
