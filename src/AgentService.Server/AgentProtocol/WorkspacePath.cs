namespace AgentService.Server.AgentProtocol;

/// <summary>
/// Checks names and paths that place a file in a task's workspace. A path must stay inside the workspace: no
/// <c>..</c> segment (also when written with backslashes), no absolute or drive-letter path, no NUL or control
/// characters. Valid paths are normalized to forward slashes without empty or <c>.</c> segments.
/// </summary>
internal static class WorkspacePath
{
    public const int MaxLength = 1024;

    /// <summary>The normalized relative path (<c>null</c> for an empty one), or an error message.</summary>
    public static (string? Path, string? Error) NormalizeRelativePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return (null, null);
        }

        if (path.Length > MaxLength)
        {
            return (null, $"must be at most {MaxLength} characters");
        }

        if (path.Any(char.IsControl))
        {
            return (null, "must not contain NUL or control characters");
        }

        var unified = path.Replace('\\', '/');
        if (unified.StartsWith('/') || unified.StartsWith('~'))
        {
            return (null, "must be relative to the task's workspace, not absolute");
        }

        if (unified.Length >= 2 && char.IsAsciiLetter(unified[0]) && unified[1] == ':')
        {
            return (null, "must not start with a drive letter");
        }

        var segments = unified.Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s != ".")
            .ToList();
        if (segments.Any(s => s.Trim() == ".."))
        {
            return (null, "must not leave the task's workspace ('..')");
        }

        return segments.Count == 0 ? (null, null) : (string.Join('/', segments), null);
    }

    /// <summary>The bare file name of an upload (a path is reduced to its last segment), or an error message.</summary>
    public static (string? Name, string? Error) NormalizeFileName(string? fileName)
    {
        var trimmed = fileName?.Trim().Trim('"');
        if (string.IsNullOrEmpty(trimmed))
        {
            return (null, "must carry a file name");
        }

        if (trimmed.Any(char.IsControl))
        {
            return (null, "file name must not contain NUL or control characters");
        }

        var name = trimmed.Replace('\\', '/').Split('/').Last();
        if (name is "" or "." or ".." || name.Length > 255)
        {
            return (null, "must have a file name of 1 to 255 characters other than '.' and '..'");
        }

        return (name, null);
    }
}
