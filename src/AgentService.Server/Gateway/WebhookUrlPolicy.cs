using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>
/// Which webhook URLs the gateway pushes to. A URL must be absolute http(s) without user info; its host — an IP
/// literal, or every address its name resolves to — must be allowed: link-local, cloud-metadata, unspecified,
/// multicast and reserved addresses never are; loopback only with <see cref="GatewayOptions.AllowLoopback"/> (default
/// on), private ranges only with <see cref="GatewayOptions.AllowPrivateNetworks"/> (default off). Checked when an agent
/// registers and again on every connection a push opens (so a name that later resolves elsewhere is caught too).
/// </summary>
internal sealed class WebhookUrlPolicy(IOptions<GatewayOptions> options)
{
    public const int MaxUrlLength = 2048;

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private static readonly HashSet<string> MetadataHostNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
    };

    private static readonly IPAddress[] MetadataAddresses =
    [
        IPAddress.Parse("169.254.169.254"), IPAddress.Parse("169.254.170.2"), IPAddress.Parse("100.100.100.200"),
        IPAddress.Parse("168.63.129.16"), IPAddress.Parse("fd00:ec2::254"),
    ];

    /// <summary>Checks the form of a webhook URL (no network): absolute http(s), a host, no user info.</summary>
    public static bool TryParse(string? text, out Uri url, out string error)
    {
        url = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must be an absolute http or https URL";
            return false;
        }

        if (text.Length > MaxUrlLength)
        {
            error = $"must be at most {MaxUrlLength} characters";
            return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(parsed.Host))
        {
            error = $"must be an absolute http or https URL, not '{Shorten(text)}'";
            return false;
        }

        if (!string.IsNullOrEmpty(parsed.UserInfo))
        {
            error = "must not contain user info (user:password@)";
            return false;
        }

        url = parsed;
        error = "";
        return true;
    }

    /// <summary>Why <paramref name="url"/> is refused, resolving its host name; <c>null</c> when it is allowed.</summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            await ResolveAllowedAsync(url.DnsSafeHost, cancellationToken);
            return null;
        }
        catch (WebhookRefusedException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>Why <paramref name="url"/> is refused without a DNS lookup (IP literals and known metadata names only);
    /// <c>null</c> when nothing is known against it. Used for the agents file at start.</summary>
    public string? CheckWithoutLookup(Uri url)
    {
        var host = url.DnsSafeHost;
        if (IsMetadataName(host))
        {
            return $"host '{host}' is a cloud metadata endpoint, which is never allowed";
        }

        return IPAddress.TryParse(host, out var address) ? Refusal(address) : null;
    }

    /// <summary>The addresses of <paramref name="host"/> (an IP literal or a name), all of them allowed; throws
    /// <see cref="WebhookRefusedException"/> when the name does not resolve or any address is refused.</summary>
    public async Task<IPAddress[]> ResolveAllowedAsync(string host, CancellationToken cancellationToken)
    {
        host = host.TrimStart('[').TrimEnd(']');
        if (IsMetadataName(host))
        {
            throw new WebhookRefusedException($"host '{host}' is a cloud metadata endpoint, which is never allowed");
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new WebhookRefusedException($"host '{host}' cannot be resolved: {(ex is SocketException ? ex.Message : "no answer within 5 s")}", ex);
            }

            if (addresses.Length == 0)
            {
                throw new WebhookRefusedException($"host '{host}' resolves to no address");
            }
        }

        foreach (var address in addresses)
        {
            if (Refusal(address) is { } reason)
            {
                throw new WebhookRefusedException(literal is null ? $"host '{host}' resolves to {reason}" : reason);
            }
        }

        return addresses;
    }

    /// <summary>Why the policy refuses <paramref name="address"/>; <c>null</c> when it is allowed.</summary>
    public string? Refusal(IPAddress address)
    {
        var settings = options.Value;
        return Classify(address) switch
        {
            AddressClass.Public => null,
            AddressClass.Loopback when settings.AllowLoopback => null,
            AddressClass.Loopback => $"loopback address {address}, which is not allowed (AgentService:Gateway:AllowLoopback is false)",
            AddressClass.Private when settings.AllowPrivateNetworks => null,
            AddressClass.Private => $"private network address {address}, which is not allowed (set AgentService:Gateway:AllowPrivateNetworks to true to allow it)",
            AddressClass.LinkLocal => $"link-local address {address}, which is never allowed",
            AddressClass.Metadata => $"cloud metadata address {address}, which is never allowed",
            AddressClass.Unspecified => $"unspecified address {address}, which is never allowed",
            AddressClass.Multicast => $"multicast address {address}, which is never allowed",
            _ => $"reserved address {address}, which is never allowed",
        };
    }

    public static AddressClass Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0)
        {
            // Compare without the zone index (fe80::1%eth0).
            address = new IPAddress(address.GetAddressBytes());
        }

        foreach (var metadata in MetadataAddresses)
        {
            if (metadata.Equals(address))
            {
                return AddressClass.Metadata;
            }
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out var length);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(b[..4]);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || length != 16)
        {
            return AddressClass.Reserved;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return AddressClass.Loopback;
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return AddressClass.Unspecified;
        }

        // Addresses that embed an IPv4 address reach that address: judge them by it.
        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyEmbedded(b[12..16]);                                  // ::a.b.c.d (IPv4-compatible)
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyEmbedded(b[12..16]);                                  // 64:ff9b::/96 (NAT64)
        }

        if (b[..8].IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0)
        {
            return ClassifyEmbedded(b[12..16]);                                  // ::ffff:0:a.b.c.d (IPv4-translated, SIIT)
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01)
        {
            // 64:ff9b:1::/48 (local-use NAT64, RFC 8215): the network picks the prefix length, so where the IPv4 address
            // sits (and which one is reached) cannot be told from the address alone.
            return AddressClass.Reserved;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyEmbedded(b[2..6]);                                    // 2002::/16 (6to4)
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            // 2001::/32 (Teredo): traffic goes to the client's IPv4 address, stored inverted in the last 32 bits.
            Span<byte> client = [(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]];
            return ClassifyEmbedded(client);
        }

        return b[0] switch
        {
            0xff => AddressClass.Multicast,
            0xfe when (b[1] & 0xc0) == 0x80 => AddressClass.LinkLocal,           // fe80::/10
            0xfe when (b[1] & 0xc0) == 0xc0 => AddressClass.Private,             // fec0::/10 (old site-local)
            0xfc or 0xfd => AddressClass.Private,                                // fc00::/7 (unique local)
            _ => AddressClass.Public,
        };
    }

    private static AddressClass ClassifyEmbedded(ReadOnlySpan<byte> v4)
    {
        var embedded = new IPAddress(v4);
        foreach (var metadata in MetadataAddresses)
        {
            if (metadata.Equals(embedded))
            {
                return AddressClass.Metadata;
            }
        }

        return ClassifyV4(v4);
    }

    private static AddressClass ClassifyV4(ReadOnlySpan<byte> b) => b[0] switch
    {
        0 => AddressClass.Unspecified,
        127 => AddressClass.Loopback,
        10 => AddressClass.Private,
        169 when b[1] == 254 => AddressClass.LinkLocal,
        172 when b[1] is >= 16 and <= 31 => AddressClass.Private,
        192 when b[1] == 168 => AddressClass.Private,
        100 when (b[1] & 0xc0) == 64 => AddressClass.Private,                    // 100.64.0.0/10 (shared address space)
        >= 224 and < 240 => AddressClass.Multicast,
        >= 240 => AddressClass.Reserved,
        _ => AddressClass.Public,
    };

    private static bool IsMetadataName(string host) => MetadataHostNames.Contains(host.TrimEnd('.'));

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
