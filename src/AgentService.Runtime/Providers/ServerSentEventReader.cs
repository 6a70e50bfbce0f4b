using System.Runtime.CompilerServices;
using System.Text;

namespace AgentService.Runtime.Providers;

/// <summary>
/// Reads a <c>text/event-stream</c> body as the HTML Server-Sent Events parser does: lines end in CR, LF or CRLF; a
/// blank line dispatches the event; <c>:</c> lines are comments; one space after the field's colon is dropped;
/// <c>data</c> lines accumulate (joined with <c>\n</c>); an event without data is not dispatched; unknown fields and
/// <c>retry</c> are ignored. A last event not followed by a blank line is dropped, as the standard says.
/// </summary>
public static class ServerSentEventReader
{
    /// <summary>The events of <paramref name="stream"/> (UTF-8) until it ends.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        string? eventName = null, id = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return new ServerSentEvent(eventName, data.ToString(), id);
                }

                eventName = null;
                data.Clear();
                hasData = false;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    eventName = value;
                    break;
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
                case "id" when !value.Contains('\0', StringComparison.Ordinal):
                    id = value;
                    break;
            }
        }
    }
}
