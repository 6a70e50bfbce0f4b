using System.Security.Cryptography;
using System.Text;

namespace AgentService.Server.Runtime;

/// <summary>Run tokens: opaque bearer secrets scoped to a run and its sub-runs. Only their SHA-256 is stored.</summary>
internal static class RunTokens
{
    public static string Mint() => "rt_" + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or <c>null</c>.</summary>
    public static string? FromHeader(string? authorization) =>
        authorization is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.Length > 7
            ? value[7..].Trim()
            : null;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
