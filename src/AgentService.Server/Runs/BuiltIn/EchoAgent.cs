using System.Text;
using System.Text.RegularExpressions;

namespace AgentService.Server.Runs.BuiltIn;

/// <summary>
/// The built-in <c>echo</c> agent: each step completes with output = its input (the task's input when the step
/// has none) and <c>is_last: true</c>. When the text asks to write words to a file — "Write the word 'Washington'
/// to a .txt file", "Write 'hello' to the file 'notes.md'" — it also creates that file as an artifact.
/// </summary>
internal sealed partial class EchoAgent : IBuiltInAgent
{
    private const string DefaultFileStem = "output";

    public Task<StepOutcome> ExecuteStepAsync(StepWork work, CancellationToken cancellationToken)
    {
        var text = work.Step.Input ?? work.Task.Input;
        var file = text is null ? null : FileRequest(text);
        var files = file is null ? null : new[] { file };
        return Task.FromResult(new StepOutcome(text, IsLast: true, Name: file is null ? "echo" : "write_file", Files: files));
    }

    internal static OutcomeFile? FileRequest(string text)
    {
        var match = WriteToFile().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var fileName = match.Groups["file"].Success ? SafeFileName(match.Groups["file"].Value) : null;
        fileName ??= DefaultFileStem + (match.Groups["ext"].Success ? match.Groups["ext"].Value.ToLowerInvariant() : ".txt");
        return new OutcomeFile(fileName, null, Encoding.UTF8.GetBytes(match.Groups["text"].Value));
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
