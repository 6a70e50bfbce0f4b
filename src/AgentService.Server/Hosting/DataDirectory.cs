namespace AgentService.Server.Hosting;

/// <summary>
/// The data directory and the files the service keeps there hold tasks, messages, the audit log and (encrypted)
/// secrets: what the service creates is its owner's only (0700 directory, 0600 database; SQLite gives its WAL and
/// shared-memory files the database's mode). A directory or file that already exists keeps the mode its operator gave it.
/// </summary>
internal static class DataDirectory
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (owner-only) unless it exists; returns its full path.</summary>
    public static string Ensure(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(full);
            }
            else
            {
                Directory.CreateDirectory(full, OwnerOnlyDirectory);
            }
        }

        return full;
    }

    /// <summary>Creates an empty owner-only file unless it exists (SQLite opens an empty file as a new database).</summary>
    public static void EnsureOwnerOnlyFile(string path)
    {
        if (File.Exists(path) || OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another node or process created it first: it opens that one.
        }
    }
}
