using AgentService.Protocol.AgentProtocol;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace AgentService.Server.AgentProtocol;

/// <summary>
/// Reads a <c>multipart/form-data</c> artifact upload section by section: the <c>file</c> part streams straight into
/// the blob store (never buffered whole), <c>relative_path</c> is read as a short text field. The artifact is
/// recorded only when the whole request is valid.
/// </summary>
internal static class ArtifactUpload
{
    private const int MaxFieldBytes = 8 * 1024;

    /// <summary>Multipart framing allowed on top of the file's own limit.</summary>
    private const long EnvelopeAllowance = 64 * 1024;

    public static async Task<Artifact> ReceiveAsync(HttpContext context, AgentProtocolService service, AgentDefinition agent, string taskId, bool agentCreated = false)
    {
        var cancellationToken = context.RequestAborted;
        var request = context.Request;
        var maxBytes = service.Options.MaxUploadBytes;
        var task = await service.RequireTaskAsync(agent, taskId, cancellationToken);

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new ServiceException(ErrorCode.UnsupportedMediaType, "An artifact upload must be multipart/form-data with a 'file' part.");
        }

        RequestEncoding.EnsureIdentity(request, "multipart body");
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw ServiceException.Invalid("file", "the multipart body has no valid boundary");
        }

        if (request.ContentLength > maxBytes + EnvelopeAllowance)
        {
            throw ServiceException.TooLarge(maxBytes);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // The file's own limit is enforced while streaming; lift the server-wide cap for this request.
            sizeFeature.MaxRequestBodySize = maxBytes + EnvelopeAllowance;
        }

        var reader = new MultipartReader(boundary, request.Body) { HeadersLengthLimit = 16 * 1024, HeadersCountLimit = 16 };
        BlobRef? blob = null;
        string? fileName = null;
        string? relativePath = null;
        var relativePathGiven = false;
        MultipartSection? section;
        try
        {
            while ((section = await reader.ReadNextSectionAsync(cancellationToken)) is not null)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    // A body cut off right after a boundary (no closing '--') reads as a section without headers:
                    // reading that section to its end tells the two apart (a cut-off body is "ended early").
                    await section.Body.DrainAsync(cancellationToken);
                    throw ServiceException.Invalid("body", "every multipart section needs a 'Content-Disposition: form-data' header");
                }

                switch (HeaderUtilities.RemoveQuotes(disposition.Name).Value)
                {
                    case "file":
                        if (blob is not null)
                        {
                            throw ServiceException.Invalid("file", "only one file may be uploaded per request");
                        }

                        // A quoted file name may escape characters ("a\"b.txt" is a"b.txt); a name that was not valid
                        // UTF-8 reaches here with replacement characters, and is refused rather than stored garbled.
                        var (name, nameError) = WorkspacePath.NormalizeFileName(
                            disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.UnescapeAsQuotedString(disposition.FileName).Value);
                        if (name?.Contains('\uFFFD', StringComparison.Ordinal) == true)
                        {
                            nameError = "the file name must be valid UTF-8";
                        }

                        if (nameError is not null)
                        {
                            throw ServiceException.Invalid("file", nameError);
                        }

                        fileName = name;
                        blob = await service.StoreBlobAsync(section.Body, cancellationToken);
                        break;

                    case "relative_path":
                        if (relativePathGiven)
                        {
                            throw ServiceException.Invalid("relative_path", "must be given once");
                        }

                        relativePathGiven = true;
                        relativePath = await ReadFieldAsync(section, cancellationToken);
                        break;

                    default:
                        await section.Body.DrainAsync(cancellationToken);
                        break;
                }
            }
        }
        catch (InvalidDataException)
        {
            throw ServiceException.Invalid("body", "the multipart body is malformed");
        }
        catch (IOException ex) when (ex is not BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            // (A BadHttpRequestException is Kestrel refusing the request, e.g. a chunked body over the size limit: it
            // goes on to be answered with its own status, 413, not as a truncated body.)
            throw ServiceException.Invalid("body", "the multipart body ended early");
        }

        if (blob is null || fileName is null)
        {
            throw ServiceException.Invalid("file", "is required: send the file as the multipart part named 'file'");
        }

        var (path, pathError) = WorkspacePath.NormalizeRelativePath(relativePath);
        if (relativePathGiven && pathError is not null)
        {
            throw ServiceException.Invalid("relative_path", pathError);
        }

        return await service.RecordUploadAsync(task, fileName, path, blob, agentCreated, cancellationToken);
    }

    private static async Task<string> ReadFieldAsync(MultipartSection section, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await section.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxFieldBytes)
            {
                throw ServiceException.Invalid("relative_path", $"must be at most {MaxFieldBytes} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw ServiceException.Invalid("relative_path", "must be valid UTF-8");
        }
    }
}
