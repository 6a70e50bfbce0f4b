using System.Buffers;
using System.Text.Json;
using AgentService.Server.Errors;
using Microsoft.Net.Http.Headers;

namespace AgentService.Server.AgentProtocol;

/// <summary>Reads a JSON request body within the size and depth limits. An absent or empty body is <c>null</c>.</summary>
internal static class JsonBody
{
    public static async Task<JsonDocument?> ReadAsync(HttpRequest request, int maxBytes, int maxDepth, CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
        {
            throw new ServiceException(ErrorCode.UnsupportedMediaType, $"The request body must be application/json, not '{contentType}'.");
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

        try
        {
            return JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException ex)
        {
            var where = ex.BytePositionInLine is { } position ? $" at line {(ex.LineNumber ?? 0) + 1}, byte {position + 1}" : "";
            throw new ServiceException(ErrorCode.InvalidRequest, $"The request body is not valid JSON{where}.",
                [new Protocol.AgentProtocol.FieldError { Field = "body", Message = "not valid JSON (or nested deeper than " + maxDepth + " levels)" }]);
        }
    }

    private static bool IsJson(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);
}
