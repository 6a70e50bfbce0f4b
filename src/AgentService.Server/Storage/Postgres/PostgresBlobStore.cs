using System.Security.Cryptography;
using AgentService.Server.Errors;
using Npgsql;

namespace AgentService.Server.Storage.Postgres;

/// <summary>
/// Blobs in PostgreSQL, so every node sees every artifact: content streams in as fixed-size chunks
/// (<c>blob_chunks</c>) inside one transaction while it is hashed; the blob row names the chunks under its content
/// hash. Identical content is kept once. Reads fetch one chunk at a time and can seek (range requests).
/// </summary>
internal sealed class PostgresBlobStore(PostgresDatabase database) : IBlobStore
{
    internal const int ChunkSize = 256 * 1024;

    public async Task<BlobRef> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var uploadId = Guid.NewGuid();
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        long size = 0;
        var chunk = 0;
        while (true)
        {
            var filled = await content.ReadAtLeastAsync(buffer, ChunkSize, throwOnEndOfStream: false, cancellationToken);
            if (filled == 0)
            {
                break;
            }

            size += filled;
            if (size > maxBytes)
            {
                // Disposing the transaction rolls the chunks back.
                throw ServiceException.TooLarge(maxBytes);
            }

            sha.AppendData(buffer, 0, filled);
            await using var insert = connection.Command("INSERT INTO blob_chunks (upload_id, n, data) VALUES ($1, $2, $3)", transaction)
                .With(uploadId).With(chunk++).With(filled == ChunkSize ? buffer : buffer[..filled]);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            if (filled < ChunkSize)
            {
                break;
            }
        }

        var hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        await using (var blob = connection.Command("INSERT INTO blobs (hash, size, upload_id, chunk_size) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING", transaction)
            .With(hash).With(size).With(uploadId).With(ChunkSize))
        {
            if (await blob.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                // The same content is already stored.
                await using var drop = connection.Command("DELETE FROM blob_chunks WHERE upload_id = $1", transaction).With(uploadId);
                await drop.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return new BlobRef(hash, size);
    }

    public async Task<Stream?> OpenReadAsync(string hash, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT size, upload_id, chunk_size FROM blobs WHERE hash = $1").With(hash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new ChunkStream(database.DataSource, reader.GetInt64(0), reader.GetGuid(1), reader.GetInt32(2));
    }

    /// <summary>A read-only, seekable view of a blob that holds one chunk in memory at a time.</summary>
    private sealed class ChunkStream(NpgsqlDataSource dataSource, long length, Guid uploadId, int chunkSize) : Stream
    {
        private byte[] _chunk = [];
        private int _chunkIndex = -1;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= length || buffer.Length == 0)
            {
                return 0;
            }

            var index = (int)(_position / chunkSize);
            if (index != _chunkIndex)
            {
                await using var command = dataSource.CreateCommand("SELECT data FROM blob_chunks WHERE upload_id = $1 AND n = $2").With(uploadId).With(index);
                _chunk = (byte[])(await command.ExecuteScalarAsync(cancellationToken)
                    ?? throw new IOException($"Chunk {index} of a stored blob is missing."));
                _chunkIndex = index;
            }

            var within = (int)(_position - ((long)index * chunkSize));
            var n = Math.Min(buffer.Length, _chunk.Length - within);
            _chunk.AsMemory(within, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
