namespace AgentService.Server.Storage.Sql;

/// <summary>
/// Compaction of ephemeral deltas: they are stored and streamed live as they come, and once the event that completes
/// them is stored (in the same transaction as that event) they are removed from the log. The completing event carries
/// the whole content, so a reader that resumes or reads the log later sees the result without the pieces; the
/// positions of the removed deltas stay unused.
/// </summary>
internal sealed partial class SqlEventLog
{
    /// <summary>Completing event type → (the deltas it completes, the data member that ties them).</summary>
    private static readonly Dictionary<string, (string DeltaType, string IdMember)> Completions = new(StringComparer.Ordinal)
    {
        ["message.completed"] = ("message.delta", "messageId"),
        ["reasoning.completed"] = ("reasoning.delta", "reasoningId"),
        ["tool.call.requested"] = ("tool.call.arguments.delta", "toolCallId"),
        ["tool.call.completed"] = ("tool.call.progress", "toolCallId"),
        ["tool.call.failed"] = ("tool.call.progress", "toolCallId"),
    };

    private static readonly HashSet<string> CompactableTypes = [.. Completions.Values.Select(c => c.DeltaType)];

    private static bool IsCompactable(string type) => CompactableTypes.Contains(type);

    private static void Compact(SqlCommands commands, Func<string, string, string> jsonText, string runId, IReadOnlyList<IncomingEvent> stored)
    {
        foreach (var e in stored)
        {
            if (Completions.TryGetValue(e.Type, out var completion)
                && e.Data.ValueKind == System.Text.Json.JsonValueKind.Object
                && e.Data.TryGetProperty(completion.IdMember, out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                commands.Get($"DELETE FROM events WHERE run_id = @run AND type = @type AND {jsonText("body", "data." + completion.IdMember)} = @id")
                    .With("@run", runId).With("@type", completion.DeltaType).With("@id", id.GetString()).ExecuteNonQuery();
            }
        }
    }
}
