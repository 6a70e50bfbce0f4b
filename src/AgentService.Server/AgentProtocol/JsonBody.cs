using System.Buffers;
using System.Text.Json;
using AgentService.Server.Errors;
using AgentService.Server.Json;
using Microsoft.Net.Http.Headers;

namespace AgentService.Server.AgentProtocol;

/// <summary>Reads a JSON request body within the size and depth limits. An absent or empty body is <c>null</c>.</summary>
internal static class JsonBody
{
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, int maxBytes, int maxDepth, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType)
        {
            if (!MediaTypeHeaderValue.TryParse(contentType, out var media) || !IsJson(media))
            {
                throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must be application/json, not '{contentType}'.");
            }

            // JSON is UTF-8 (RFC 8259), sent as it is: a body in another charset or compressed would only be misread.
            // A parameter's value may be quoted (RFC 9110 §5.6.6): charset="utf-8" is charset=utf-8.
            if (HeaderUtilities.RemoveQuotes(media.Charset) is { Length: > 0 } quoted && quoted.Value is { } charset
                && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must be UTF-8 JSON, not charset '{charset}'.");
            }
        }

        RequestEncoding.EnsureIdentity(request, "JSON");

        if (request.ContentLength > maxBytes)
        {
            throw ServiceException.TooLarge(maxBytes);
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is > 0 and var length ? (int)length : 256);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                throw ServiceException.TooLarge(maxBytes);
            }
        }

        var bytes = buffer.WrittenMemory;
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        if (!JsonInput.IsUtf8(bytes.Span))
        {
            throw Invalid("The request body is not valid UTF-8 text.", "not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException) when (NestedDeeperThan(bytes.Span, maxDepth))
        {
            throw Invalid($"The request body nests JSON deeper than {maxDepth} levels.", $"nested deeper than {maxDepth} levels");
        }
        catch (JsonException ex)
        {
            var where = ex.BytePositionInLine is { } position ? $" at line {(ex.LineNumber ?? 0) + 1}, byte {position + 1}" : "";
            throw Invalid($"The request body is not valid JSON{where}.", "not valid JSON");
        }

        if (JsonInput.HasUnpairedSurrogateEscape(bytes.Span, maxDepth))
        {
            document.Dispose();
            throw Invalid("The request body escapes an unpaired surrogate (e.g. \\ud800), which is no text.", "a string escapes an unpaired surrogate");
        }

        return document;
    }

    /// <summary>Whether the JSON, read up to its first error, opens more than <paramref name="maxDepth"/> levels:
    /// the parser reports that as one more syntax error, which would send the client looking for one that is not there.</summary>
    private static bool NestedDeeperThan(ReadOnlySpan<byte> json, int maxDepth)
    {
        // The reader keeps its depth in a bit stack, not on the call stack: deep input costs bits, and the body's
        // size limit bounds it.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth + 1 > maxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // A syntax error before any level too deep.
        }

        return false;
    }

    private static ServiceException Invalid(string message, string fieldMessage) =>
        new(ErrorCode.InvalidRequest, message, [new Protocol.AgentProtocol.FieldError { Field = "body", Message = fieldMessage }]);

    private static bool IsJson(MediaTypeHeaderValue media) =>
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true;
}
