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
            if (media.Charset is { Length: > 0 } charset && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            {
                throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must be UTF-8 JSON, not charset '{charset}'.");
            }
        }

        if (request.Headers.ContentEncoding is { Count: > 0 } encoding && !encoding.All(e => "identity".Equals(e?.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must not be encoded (Content-Encoding '{encoding}'): send the JSON as it is.");
        }

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
        catch (JsonException ex)
        {
            var where = ex.BytePositionInLine is { } position ? $" at line {(ex.LineNumber ?? 0) + 1}, byte {position + 1}" : "";
            throw Invalid($"The request body is not valid JSON{where}.", "not valid JSON (or nested deeper than " + maxDepth + " levels)");
        }

        if (JsonInput.HasUnpairedSurrogateEscape(bytes.Span, maxDepth))
        {
            document.Dispose();
            throw Invalid("The request body escapes an unpaired surrogate (e.g. \\ud800), which is no text.", "a string escapes an unpaired surrogate");
        }

        return document;
    }

    private static ServiceException Invalid(string message, string fieldMessage) =>
        new(ErrorCode.InvalidRequest, message, [new Protocol.AgentProtocol.FieldError { Field = "body", Message = fieldMessage }]);

    private static bool IsJson(MediaTypeHeaderValue media) =>
        media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true;
}
