using System.Text;
using System.Text.RegularExpressions;

namespace AgentService.Samples.EchoAgent;

/// <summary>
/// A request, in a task's or a step's text, to write words to a file — "Write the word 'Washington' to a .txt file",
/// "Write 'hello' to the file 'notes.md'" — read as the file to create. The one reading of such requests: the
/// EchoAgent runtime uses it, and so does the service's built-in in-process echo (which references this assembly).
/// </summary>
public sealed partial class WriteFileRequest
{
    private const string DefaultFileStem = "output";

    /// <summary>The file to create: the name asked for without any directory part, or <c>output</c> with the asked
    /// extension (<c>.txt</c> when none is named).</summary>
    public required string FileName { get; init; }

    /// <summary>The words to write, as UTF-8.</summary>
    public required ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>The file <paramref name="text"/> asks to write, or <c>null</c> when it asks for none.</summary>
    public static WriteFileRequest? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var match = WriteToFile().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var fileName = match.Groups["file"].Success ? SafeFileName(match.Groups["file"].Value) : null;
        fileName ??= DefaultFileStem + (match.Groups["ext"].Success ? match.Groups["ext"].Value.ToLowerInvariant() : ".txt");
        return new WriteFileRequest { FileName = fileName, Content = Encoding.UTF8.GetBytes(match.Groups["text"].Value) };
    }

    private static string? SafeFileName(string name)
    {
        var candidate = Path.GetFileName(name.Replace('\\', '/').Trim());
        return candidate.Length is > 0 and <= 255 && candidate is not "." and not ".." && !candidate.Any(char.IsControl)
            ? candidate
            : null;
    }

    [GeneratedRegex("""
        \bwrite\s+(?:the\s+)?(?:words?\s+|text\s+|string\s+)?['"‘“](?<text>[^'"’”]+)['"’”]\s+(?:in)?to\s+(?:an?\s+|the\s+)?
        (?:file\s+['"‘“](?<file>[^'"’”]+)['"’”]|['"‘“](?<file>[^'"’”]+)['"’”]|(?<ext>\.[A-Za-z0-9]{1,10})\s+file|file)
        """, RegexOptions.IgnoreCase | RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 200)]
    private static partial Regex WriteToFile();
}
