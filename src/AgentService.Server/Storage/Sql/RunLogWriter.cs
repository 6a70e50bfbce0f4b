using System.Text.Json;
using AgentService.Protocol.Ids;
using AgentService.Server.Json;
using AgentService.Server.Runtime;

namespace AgentService.Server.Storage.Sql;

/// <summary>
/// Appends to one run's log inside a write operation: tracks the next position, writes events the service itself
/// records (source <c>/runs/{runId}/service</c>, their own gap-free <c>seq</c>), and stores the new event count on
/// <see cref="Commit"/>.
/// </summary>
internal sealed class RunLogWriter(SqlCommands commands, string runId, long position, DateTimeOffset now)
{
    private readonly long _initial = position;
    private long _serviceSeq = -1;
    private string? _rootRunId;
    private string? _runTraceparent;

    public SqlCommands Commands => commands;

    public string RunId => runId;

    public DateTimeOffset Now => now;

    /// <summary>Position of the last event written.</summary>
    public long Position { get; set; } = position;

    /// <summary>The last run status a projection set, if any.</summary>
    public string? RunStatus { get; set; }

    /// <summary>Opens a writer at the run's current end of log; <c>null</c> when the run does not exist.</summary>
    public static RunLogWriter? Open(SqlCommands commands, string runId, DateTimeOffset now) =>
        commands.Get("SELECT event_count FROM runs WHERE run_id = @id").With("@id", runId).ExecuteScalar() is long count
            ? new RunLogWriter(commands, runId, count, now)
            : null;

    /// <summary>Writes an event recorded by the service; returns its position.</summary>
    public long AppendServiceEvent(string type, Action<Utf8JsonWriter> data, string? subject = null, string? traceparent = null)
    {
        if (_serviceSeq < 0)
        {
            _serviceSeq = (long)commands.Get("SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = @run AND attempt_id IS NULL")
                .With("@run", runId).ExecuteScalar()!;
            using var run = commands.Get("SELECT root_run_id, traceparent FROM runs WHERE run_id = @id").With("@id", runId).ExecuteReader();
            if (run.Read())
            {
                (_rootRunId, _runTraceparent) = (run.GetString(0), run.GetNullableString(1));
            }
        }

        var seq = ++_serviceSeq;
        var eventId = TypeId.New("evt");
        var time = RuntimeSession.Timestamp(now);
        var body = JsonText.Object(w =>
        {
            w.WriteString("specversion", "1.0");
            w.WriteString("id", eventId);
            w.WriteString("type", type);
            w.WriteString("source", $"/runs/{runId}/service");
            if (subject is not null)
            {
                w.WriteString("subject", subject);
            }

            w.WriteString("time", time);
            w.WriteString("runid", runId);
            w.WriteNumber("seq", seq);
            w.WriteString("correlationid", _rootRunId ?? runId);
            w.WriteString("traceparent", traceparent ?? _runTraceparent ?? RuntimeSession.NewTraceparent());
            w.WriteStartObject("data");
            data(w);
            w.WriteEndObject();
        });
        Position++;
        commands.Get("INSERT INTO events (run_id, position, event_id, attempt_id, seq, type, time, body) VALUES (@run, @pos, @id, NULL, @seq, @type, @time, @body)")
            .With("@run", runId).With("@pos", Position).With("@id", eventId).With("@seq", seq)
            .With("@type", type).With("@time", time).With("@body", body)
            .ExecuteNonQuery();
        return Position;
    }

    /// <summary>Stores the run's event count when events were written.</summary>
    public void Commit()
    {
        if (Position != _initial)
        {
            commands.Get("UPDATE runs SET event_count = @pos, updated_at = @at WHERE run_id = @id")
                .With("@pos", Position).With("@at", now.ToUnixMs()).With("@id", runId).ExecuteNonQuery();
        }
    }
}
