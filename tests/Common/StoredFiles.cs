namespace AgentService.Tests.Common;

/// <summary>Reads every file a stopped service left in its data directory (for checks on what is stored at rest).</summary>
public static class StoredFiles
{
    /// <summary>Each file under <paramref name="dataDir"/> with its bytes. SQLite's <c>-wal</c>/<c>-shm</c> files go
    /// when the last pooled connection closes, which may be while this runs: a file that is gone is skipped (what a
    /// <c>-wal</c> held is in the database file by then, which is read).</summary>
    public static async IAsyncEnumerable<(string Path, byte[] Bytes)> ReadAllAsync(string dataDir)
    {
        foreach (var file in Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            yield return (file, bytes);
        }
    }
}
