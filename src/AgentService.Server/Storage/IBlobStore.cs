namespace AgentService.Server.Storage;

/// <summary>Content-addressed bytes (artifacts, large checkpoints). Content is streamed in and out, never held whole in memory.</summary>
internal interface IBlobStore
{
    /// <summary>Streams <paramref name="content"/> into the store and makes it durable. Throws
    /// <see cref="Errors.ServiceException"/> (<see cref="Errors.ErrorCode.PayloadTooLarge"/>) past <paramref name="maxBytes"/>,
    /// storing nothing.</summary>
    Task<BlobRef> PutAsync(Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>Opens stored bytes for reading (a seekable stream), or <c>null</c> when there are none under that hash.</summary>
    Task<Stream?> OpenReadAsync(string hash, CancellationToken cancellationToken);
}
