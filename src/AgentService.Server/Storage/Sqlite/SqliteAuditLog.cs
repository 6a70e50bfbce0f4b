using System.Text;
using AgentService.Server.Observability;
using AgentService.Server.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace AgentService.Server.Storage.Sqlite;

/// <summary>The audit log in table <c>audit_log</c>; triggers refuse UPDATE and DELETE, so it is append-only.</summary>
internal sealed class SqliteAuditLog(SqliteDatabase database, ILogger<SqliteAuditLog> logger) : IAuditLog
{
    private const string InsertSql = "INSERT INTO audit_log (time, actor, action, target, outcome, status, trace_id, remote_addr, detail) VALUES ($time, $actor, $action, $target, $outcome, $status, $trace, $remote, $detail)";

    private readonly AuditQueue _queue = new(
        drain => database.Writer.WriteAsync(
            commands =>
            {
                var drained = drain();
                foreach (var pending in drained)
                {
                    Insert(commands, pending);
                }

                return drained.Count;
            },
            CancellationToken.None),
        database.IsOutage,
        logger);

    /// <summary>
    /// Queues the entry; all entries queued until the writer comes round are inserted by one write operation, so
    /// auditing adds neither a commit round nor an operation per request to the writer's batch.
    /// </summary>
    public void Append(AuditEntry entry) => _queue.Enqueue(entry);

    public Task AppendAsync(AuditEntry entry, CancellationToken cancellationToken) =>
        database.Writer.WriteAsync(commands => Insert(commands, entry), cancellationToken);

    private static int Insert(SqliteCommandCache commands, AuditEntry entry) =>
        commands.Get(InsertSql)
            .With("$time", entry.Time.ToUnixMs()).With("$actor", entry.Actor).With("$action", entry.Action).With("$target", entry.Target)
            .With("$outcome", entry.Outcome).With("$status", entry.Status).With("$trace", entry.TraceId)
            .With("$remote", entry.RemoteAddress).With("$detail", entry.Detail).ExecuteNonQuery();

    public Task<(IReadOnlyList<AuditEntry> Items, int Total)> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        using var read = database.OpenRead();
        var where = new StringBuilder("WHERE 1 = 1");
        using var select = read.Connection.CreateCommand();
        using var count = read.Connection.CreateCommand();
        void Filter(string clause, string name, object? value)
        {
            if (value is not null)
            {
                where.Append(" AND ").Append(clause);
                select.With(name, value);
                count.With(name, value);
            }
        }

        Filter("actor = $actor", "$actor", query.Actor);
        Filter("action = $action", "$action", query.Action);
        Filter("time >= $since", "$since", query.Since?.ToUnixMs());
        Filter("time < $until", "$until", query.Until?.ToUnixMs());

#pragma warning disable CA2100 // The WHERE clause is built from constants above; values are parameters.
        select.CommandText = $"SELECT seq, time, actor, action, target, outcome, status, trace_id, remote_addr, detail FROM audit_log {where} ORDER BY seq LIMIT $limit OFFSET $offset";
        count.CommandText = $"SELECT COUNT(*) FROM audit_log {where}";
#pragma warning restore CA2100
        select.With("$limit", query.PageSize).With("$offset", (long)(query.Page - 1) * query.PageSize);
        var items = new List<AuditEntry>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                items.Add(Read(reader));
            }
        }

        var total = Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult<(IReadOnlyList<AuditEntry>, int)>((items, total));
    }

    private static AuditEntry Read(SqliteDataReader reader) => new(
        reader.GetTimestamp(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetNullableString(4),
        reader.GetString(5),
        reader.IsDBNull(6) ? null : reader.GetInt32(6),
        reader.GetNullableString(7),
        reader.GetNullableString(8),
        reader.GetNullableString(9))
    {
        Seq = reader.GetInt64(0),
    };
}
