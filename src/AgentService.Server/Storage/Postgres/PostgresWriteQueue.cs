using System.Threading.Channels;
using AgentService.Server.Observability;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// Group commit on PostgreSQL, the counterpart of <see cref="Sqlite.SqliteWriteQueue"/>: concurrent writes of this node
/// are queued, and whatever is waiting when the writer comes round runs in one transaction with one commit. Writes that
/// contend on one row (the task counter of an agent, a task's step counter) then cost one lock wait and one WAL flush
/// per batch instead of one each. A write that fails rolls its batch back; the batch then runs again one write per
/// transaction, so only the failing write reports its error, and a write alone that meets a serialization failure or
/// a deadlock (another node's transaction on the same rows) runs again. Work must therefore be database-only and safe
/// to run more than once (every store's is). A caller's task completes after the commit that contains its write.
/// </summary>
internal sealed class PostgresWriteQueue : IAsyncDisposable
{
    private const int MaxBatch = 128;
    private const int MaxAttempts = 50;

    private readonly Channel<Operation> _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly NpgsqlDataSource _dataSource;
    private readonly System.Data.IsolationLevel _isolation;
    private readonly ILogger _logger;
    private readonly Task _loop;

    public PostgresWriteQueue(NpgsqlDataSource dataSource, System.Data.IsolationLevel isolation, ILogger logger)
    {
        _dataSource = dataSource;
        _isolation = isolation;
        _logger = logger;
        _loop = Task.Run(RunLoopAsync);
    }

    public Task<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new Operation<T>(work);
        if (!_queue.Writer.TryWrite(operation))
        {
            throw new Errors.ServiceException(Errors.ErrorCode.Unavailable, "The store is shutting down.");
        }

        return operation.Task;
    }

    private async Task RunLoopAsync()
    {
        var batch = new List<Operation>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            if (batch.Count == 1 || !await TryRunTogetherAsync(batch).ConfigureAwait(false))
            {
                foreach (var operation in batch)
                {
                    await RunAloneAsync(operation).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>Runs the batch in one transaction; <c>false</c> (nothing committed, nobody answered) when any part failed.</summary>
    private async Task<bool> TryRunTogetherAsync(List<Operation> batch)
    {
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(_isolation).ConfigureAwait(false);
            foreach (var operation in batch)
            {
                await operation.RunAsync(connection, transaction).ConfigureAwait(false);
            }

            await transaction.CommitAsync().ConfigureAwait(false);
            Observability.ServiceTelemetry.RecordCommit(started, batch.Count, "postgresql");
        }
        catch (Exception ex)
        {
            Log.WriteBatchRetried(_logger, batch.Count, ex);
            return false;
        }

        foreach (var operation in batch)
        {
            operation.Complete();
        }

        return true;
    }

    private async Task RunAloneAsync(Operation operation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
                await using var transaction = await connection.BeginTransactionAsync(_isolation).ConfigureAwait(false);
                await operation.RunAsync(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
                Observability.ServiceTelemetry.RecordCommit(started, 1, "postgresql");
                operation.Complete();
                return;
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected && attempt < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                operation.Fail(ex);
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private abstract class Operation
    {
        public abstract Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class Operation<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work) : Operation
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override async Task RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction) => _result = await work(connection, transaction).ConfigureAwait(false);

        public override void Complete() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception) => _completion.TrySetException(exception);
    }
}
