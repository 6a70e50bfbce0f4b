using System.Text.Json;
using AgentService.Server.Runtime;
using AgentService.Server.Storage;

namespace AgentService.Server.Runs;

/// <summary>The JSON of the run event model's records, shared by their lists and the snapshot.</summary>
internal static class RunModelJson
{
    public static void WriteToolCall(Utf8JsonWriter w, ToolCallRecord call)
    {
        w.WriteStartObject();
        w.WriteString("toolCallId", call.ToolCallId);
        w.WriteString("toolName", call.ToolName);
        w.WriteString("status", call.Status);
        w.WriteString("executor", call.Executor);
        Raw(w, "arguments", call.Arguments);
        if (call.ArgumentsText is not null)
        {
            w.WriteString("argumentsText", call.ArgumentsText);
        }

        w.WriteBoolean("requiresApproval", call.RequiresApproval);
        w.WriteString("interactionId", call.InteractionId);
        w.WriteString("idempotencyKey", call.IdempotencyKey);
        Raw(w, "providerRef", call.ProviderRef);
        w.WriteString("stepId", call.StepId);
        w.WriteNumber("executionAttempt", call.ExecutionAttempt);
        if (call.Progress is not null)
        {
            Raw(w, "progress", call.Progress);
        }

        Raw(w, "result", call.Result);
        w.WriteBoolean("isError", call.IsError);
        Raw(w, "error", call.Error);
        w.WriteString("failureReason", call.FailureReason);
        if (call.DurationMs is { } duration)
        {
            w.WriteNumber("durationMs", duration);
        }
        else
        {
            w.WriteNull("durationMs");
        }

        w.WriteString("requestedAt", call.RequestedAt);
        w.WriteString("startedAt", call.StartedAt);
        w.WriteString("finishedAt", call.FinishedAt);
        w.WriteNumber("position", call.Position);
        w.WriteEndObject();
    }

    public static void WriteInteraction(Utf8JsonWriter w, InteractionRecord interaction)
    {
        w.WriteStartObject();
        w.WriteString("interactionId", interaction.InteractionId);
        w.WriteString("kind", interaction.Kind);
        w.WriteString("status", interaction.Status);
        w.WriteBoolean("blocking", interaction.Blocking);
        Raw(w, "request", interaction.Request);
        w.WriteString("expiresAt", interaction.ExpiresAt is { } expires ? RuntimeSession.Timestamp(expires) : null);
        w.WriteString("onExpiry", interaction.OnExpiry);
        w.WriteString("outcome", interaction.Outcome);
        Raw(w, "response", interaction.Response);
        w.WriteString("reason", interaction.Reason);
        Raw(w, "resolvedBy", interaction.ResolvedBy);
        w.WriteString("inputDeliveryId", interaction.DeliveryId);
        w.WriteString("requestedAt", interaction.RequestedAt);
        w.WriteString("resolvedAt", interaction.ResolvedAt);
        w.WriteNumber("position", interaction.Position);
        w.WriteEndObject();
    }

    public static void WriteSnapshot(Utf8JsonWriter w, RunSnapshot snapshot)
    {
        var run = snapshot.Run;
        w.WriteString("runId", run.RunId);
        w.WriteString("agentId", run.AgentId);
        w.WriteString("status", run.Status);
        Raw(w, "waitingFor", run.WaitingFor);
        w.WriteNumber("watermark", snapshot.Watermark);
        w.WriteStartArray("steps");
        foreach (var step in snapshot.Steps)
        {
            w.WriteStartObject();
            w.WriteString("stepId", step.StepId);
            w.WriteString("name", step.Name);
            w.WriteString("status", step.Status);
            w.WriteString("input", step.Input);
            w.WriteString("output", step.Output);
            Raw(w, "additionalOutput", step.AdditionalOutput);
            w.WriteBoolean("isLast", step.IsLast);
            w.WriteString("createdAt", RuntimeSession.Timestamp(step.CreatedAt));
            w.WriteString("updatedAt", RuntimeSession.Timestamp(step.UpdatedAt));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WithPositions(w, "messages", snapshot.Messages);
        w.WriteStartArray("streamingMessages");
        foreach (var (messageId, text, position) in snapshot.StreamingMessages)
        {
            w.WriteStartObject();
            w.WriteString("messageId", messageId);
            w.WriteString("text", text);
            w.WriteNumber("position", position);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("toolCalls");
        foreach (var call in snapshot.ToolCalls)
        {
            WriteToolCall(w, call);
        }

        w.WriteEndArray();
        w.WriteStartArray("interactions");
        foreach (var interaction in snapshot.Interactions)
        {
            WriteInteraction(w, interaction);
        }

        w.WriteEndArray();
        WithPositions(w, "todo", snapshot.TodoLists);
        w.WriteStartArray("artifacts");
        foreach (var artifact in snapshot.Artifacts)
        {
            w.WriteStartObject();
            w.WriteString("artifactId", artifact.ArtifactId);
            w.WriteString("fileName", artifact.FileName);
            w.WriteString("relativePath", artifact.RelativePath);
            w.WriteString("stepId", artifact.StepId);
            w.WriteNumber("sizeBytes", artifact.Size);
            w.WriteBoolean("agentCreated", artifact.AgentCreated);
            w.WriteString("createdAt", RuntimeSession.Timestamp(artifact.CreatedAt));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("children");
        foreach (var child in snapshot.Children)
        {
            w.WriteStartObject();
            w.WriteString("runId", child.RunId);
            w.WriteString("status", child.Status);
            w.WriteStartArray("dependsOn");
            foreach (var dependency in child.DependsOn)
            {
                w.WriteStringValue(dependency);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteDependencies(w, snapshot.Dependencies);
        w.WritePropertyName("checkpoint");
        if (snapshot.LatestCheckpoint is { } checkpoint)
        {
            w.WriteStartObject();
            w.WriteString("checkpointId", checkpoint.CheckpointId);
            w.WriteNumber("inputCursor", checkpoint.InputCursor);
            w.WriteNumber("position", checkpoint.Position);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
    }

    /// <summary><c>"dependencies": [{runId, condition, status}]</c>: the runs a run waits for before it starts.</summary>
    internal static void WriteDependencies(Utf8JsonWriter w, IReadOnlyList<RunDependency> dependencies)
    {
        w.WriteStartArray("dependencies");
        foreach (var dependency in dependencies)
        {
            w.WriteStartObject();
            w.WriteString("runId", dependency.RunId);
            w.WriteString("condition", dependency.Condition);
            w.WriteString("status", dependency.Status);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>Stored JSON objects (event data) with their log position added.</summary>
    private static void WithPositions(Utf8JsonWriter w, string name, IReadOnlyList<(long Position, string Data)> items)
    {
        w.WriteStartArray(name);
        foreach (var (position, data) in items)
        {
            using var document = JsonDocument.Parse(data);
            w.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                property.WriteTo(w);
            }

            w.WriteNumber("position", position);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void Raw(Utf8JsonWriter w, string name, string? json)
    {
        w.WritePropertyName(name);
        if (json is null)
        {
            w.WriteNullValue();
        }
        else
        {
            w.WriteRawValue(json, skipInputValidation: true);
        }
    }
}
