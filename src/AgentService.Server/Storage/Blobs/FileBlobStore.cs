using System.Buffers;
using System.Security.Cryptography;
using AgentService.Server.Errors;
using AgentService.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Storage.Blobs;

/// <summary>
/// Blobs as files under <c>&lt;data-dir&gt;/blobs/&lt;hash[0..2]&gt;/&lt;hash&gt;</c>. Content streams through a small
/// buffer into a temporary file while it is hashed, is flushed to disk, and is then renamed to its content address
/// (the directory is synced too), so a blob that exists is complete and durable. Identical content is stored once.
/// </summary>
internal sealed class FileBlobStore : IBlobStore
{
    private const int BufferSize = 81920;
    private readonly string _root;
    private readonly string _temp;

    public FileBlobStore(IOptions<AgentServiceOptions> options)
    {
        _root = Path.Combine(Path.GetFullPath(options.Value.DataDir), "blobs");
        _temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temp);
        foreach (var leftover in Directory.EnumerateFiles(_temp))
        {
            // Uploads cut off by a crash; nothing refers to them.
            File.Delete(leftover);
        }
    }

    public async Task<BlobRef> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        var tempPath = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            string hash;
            long size = 0;
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
                    int read;
                    while ((read = await content.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
                    {
                        size += read;
                        if (size > maxBytes)
                        {
                            throw ServiceException.TooLarge(maxBytes);
                        }

                        sha.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }

                    file.Flush(flushToDisk: true);
                }

                hash = Convert.ToHexStringLower(sha.GetHashAndReset());
            }

            var finalPath = PathOf(hash);
            var directory = Path.GetDirectoryName(finalPath)!;
            Directory.CreateDirectory(directory);
            try
            {
                File.Move(tempPath, finalPath, overwrite: false);
                DirectorySync.Flush(directory);
            }
            catch (IOException) when (File.Exists(finalPath))
            {
                // The same content is already stored.
                File.Delete(tempPath);
            }

            return new BlobRef(hash, size);
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<Stream?> OpenReadAsync(string hash, CancellationToken cancellationToken) => Task.FromResult<Stream?>(OpenRead(hash));

    private FileStream? OpenRead(string hash)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        try
        {
            return new FileStream(PathOf(hash), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string PathOf(string hash) => Path.Combine(_root, hash[..2], hash);
}
