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

    /// <summary>The delta types compacted away by a later event (each must be in <see cref="IndexedByType"/>).</summary>
    public static IReadOnlyCollection<string> CompactedTypes => CompactableTypes;

    /// <summary>
    /// The condition of the partial index <c>events_run_compaction</c> (the only events read by type: deltas and
    /// completed messages), written exactly as in the migrations: a query that looks events up by type adds it, which
    /// is how SQLite and PostgreSQL know the index covers the query. Every other event (most of a log) costs one index
    /// insert less.
    /// </summary>
    public const string TypeIndex = "events_run_compaction";

    public const string IndexedByType = "type IN ('message.delta', 'reasoning.delta', 'tool.call.arguments.delta', 'tool.call.progress', 'message.completed')";

    private static bool IsCompactable(string type) => CompactableTypes.Contains(type);

    private static void Compact(SqlCommands commands, ISqlDatabase database, string runId, IReadOnlyList<IncomingEvent> stored)
    {
        foreach (var e in stored)
        {
            if (Completions.TryGetValue(e.Type, out var completion)
                && e.Data.ValueKind == System.Text.Json.JsonValueKind.Object
                && e.Data.TryGetProperty(completion.IdMember, out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String)
            {
                commands.Get($"DELETE FROM {database.ThroughIndex("events", TypeIndex)} WHERE run_id = @run AND {IndexedByType} AND type = @type AND {database.JsonText("body", "data." + completion.IdMember)} = @id")
                    .With("@run", runId).With("@type", completion.DeltaType).With("@id", id.GetString()).ExecuteNonQuery();
            }
        }
    }
}
