using Microsoft.Extensions.Logging;

namespace AgentService.Runtime;

/// <summary>
/// The service nodes the SDK may use (several nodes over one database; any of them serves any run) and the one it uses
/// now. A node that cannot be reached moves the cursor to the next one, round robin. <see cref="MoveNext"/> takes the
/// index that failed, so two callers that saw the same node fail (the socket and an HTTP call) move it only once.
/// </summary>
internal sealed class ServiceEndpoints
{
    private readonly Uri[] _urls;
    private readonly Lock _lock = new();
    private int _index;

    public ServiceEndpoints(IEnumerable<Uri> urls, ILogger logger)
    {
        _urls = [.. urls];
        if (_urls.Length == 0)
        {
            throw new InvalidOperationException("No service URL is set.");
        }

        Logger = logger;
    }

    public ILogger Logger { get; }

    public IReadOnlyList<Uri> Urls => _urls;

    /// <summary>The node in use and its index in <see cref="Urls"/>.</summary>
    public (Uri Url, int Index) Current
    {
        get
        {
            lock (_lock)
            {
                return (_urls[_index], _index);
            }
        }
    }

    /// <summary>The URLs in round-robin order from the node in use (how a claimed run's connection starts).</summary>
    public List<Uri> FromCurrent()
    {
        var (_, index) = Current;
        return [.. _urls.Skip(index), .. _urls.Take(index)];
    }

    /// <summary>Moves to the node after <paramref name="failed"/> if that is still the node in use.</summary>
    public void MoveNext(int failed, Exception? reason)
    {
        Uri from, to;
        lock (_lock)
        {
            if (_urls.Length == 1 || _index != failed)
            {
                return;
            }

            from = _urls[_index];
            _index = (_index + 1) % _urls.Length;
            to = _urls[_index];
        }

        Log.NodeSwitched(Logger, from, to, reason);
    }

    /// <summary>
    /// Sends a request built for the node in use; when that node cannot be reached (connection refused or broken, no
    /// answer within the client's timeout) moves on and sends it again to the next node, each node once. Any HTTP
    /// answer, error statuses included, is returned as it is.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpClient http, Func<Uri, HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        for (var tried = 1; ; tried++)
        {
            var (url, index) = Current;
            using var request = createRequest(url);
            try
            {
                return await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                MoveNext(index, ex);
                if (tried >= _urls.Length)
                {
                    throw ex as HttpRequestException ?? new HttpRequestException($"The service at {url} did not answer in time.", ex);
                }
            }
        }
    }

    /// <summary>The WebSocket endpoint of a node: its URL with ws(s) and <c>/runtime</c> appended to its path.</summary>
    public static Uri WebSocketUriFor(Uri serviceUrl)
    {
        var builder = new UriBuilder(serviceUrl)
        {
            Scheme = serviceUrl.Scheme switch
            {
                "https" or "wss" => "wss",
                "http" or "ws" => "ws",
                _ => throw new InvalidOperationException($"The service URL must be an http(s) URL, not '{serviceUrl}'."),
            },
        };
        builder.Path = builder.Path.TrimEnd('/') + Protocol.Runtime.RuntimeMethods.Path;
        builder.Query = string.Empty;
        return builder.Uri;
    }

    /// <summary>Parses <c>AGENTSERVICE_URL</c>: one base URL or several separated by commas (spaces around them and
    /// empty entries are ignored).</summary>
    /// <exception cref="RuntimeConfigurationException">No URL, or one that is not an absolute http(s) URL (named).</exception>
    public static List<Uri> Parse(string? value, string variable)
    {
        var parts = (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new RuntimeConfigurationException($"The environment variable {variable} is not set; it holds the service's base URL (several separated by commas).");
        }

        var urls = new List<Uri>(parts.Length);
        foreach (var part in parts)
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new RuntimeConfigurationException($"{variable} must hold absolute http(s) URLs separated by commas; '{part}' is not one.");
            }

            urls.Add(uri);
        }

        return urls;
    }

    /// <summary>Checks a configured list: at least one URL, each absolute and http(s) (ws(s) too when <paramref name="allowWebSocket"/>).</summary>
    /// <exception cref="InvalidOperationException">The list is empty or names a bad URL (named in the message).</exception>
    public static void Validate(IEnumerable<Uri?> urls, bool allowWebSocket)
    {
        var count = 0;
        foreach (var url in urls)
        {
            count++;
            if (url is null)
            {
                throw new InvalidOperationException($"Service URL {count} is null.");
            }

            if (!url.IsAbsoluteUri || (url.Scheme is not ("http" or "https") && !(allowWebSocket && url.Scheme is "ws" or "wss")))
            {
                throw new InvalidOperationException($"The service URL '{url}' is not an absolute http(s) URL.");
            }
        }

        if (count == 0)
        {
            throw new InvalidOperationException("No service URL is set: set ServiceUrl or add to ServiceUrls.");
        }
    }
}
