using System.Text.Json;
using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary><c>format</c> as an assertion, for the formats these schemas use; other formats are annotations.</summary>
internal sealed class FormatKeyword : Keyword
{
    private readonly string _format;
    private readonly Func<ReadOnlySpan<char>, bool> _check;
    private readonly string _message;

    private FormatKeyword(KeywordInfo info, string format, Func<ReadOnlySpan<char>, bool> check, string message)
        : base(info)
    {
        _format = format;
        _check = check;
        _message = message;
    }

    /// <summary>The keyword for a known format; null for one that is only an annotation here.</summary>
    public static FormatKeyword? Create(KeywordInfo info, string format) => format switch
    {
        "date-time" => new FormatKeyword(info, format, Rfc3339.IsDateTime, "string is not an RFC 3339 date-time"),
        "uri" => new FormatKeyword(info, format, Rfc3986.IsUri, "string is not an absolute URI (RFC 3986)"),
        "uri-reference" => new FormatKeyword(info, format, Rfc3986.IsReference, "string is not a URI reference (RFC 3986)"),
        _ => null,
    };

    public override bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        if (instance.Kind != JsonValueKind.String)
        {
            return true;
        }

        Span<char> buffer = stackalloc char[JsonStrings.StackBufferSize];
        if (instance.TryGetChars(buffer, out var chars) && _check(chars))
        {
            return true;
        }

        state.Report(Info, _message);
        return false;
    }

    public override string ToString() => _format;
}
