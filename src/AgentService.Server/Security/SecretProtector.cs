using System.Security.Cryptography;
using System.Text;
using AgentService.Server.Hosting;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Security;

/// <summary>
/// Encrypts secrets at rest with AES-256-GCM. A protected value is <c>v1.&lt;key id&gt;.&lt;base64(nonce ‖ tag ‖
/// ciphertext)&gt;</c>, where the key id is the first 8 hex digits of the key's SHA-256, so values written under a
/// previous key can still be read after a rotation (and are re-encrypted under the current one at start).
/// </summary>
internal sealed class SecretProtector
{
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _current;
    private readonly string _currentId;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public SecretProtector(IOptions<SecurityOptions> security, IOptions<AgentServiceOptions> service)
    {
        _current = security.Value.SecretKey is { Length: > 0 } configured
            ? Decode(configured, "AgentService:Security:SecretKey")
            : LoadOrCreateKeyFile(security.Value.SecretKeyFile ?? Path.Combine(Path.GetFullPath(service.Value.DataDir), "secret.key"));
        _currentId = KeyId(_current);
        _keys[_currentId] = _current;
        foreach (var previous in security.Value.PreviousSecretKeys)
        {
            var key = Decode(previous, "AgentService:Security:PreviousSecretKeys");
            _keys.TryAdd(KeyId(key), key);
        }
    }

    /// <summary>The id of the key new values are encrypted with.</summary>
    public string CurrentKeyId => _currentId;

    public string Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + plain.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Encoding.ASCII.GetBytes(_currentId));
        return $"{Version}.{_currentId}.{Convert.ToBase64String(output)}";
    }

    /// <summary>Decrypts a protected value. Throws <see cref="CryptographicException"/> when the key is unknown or the
    /// value was tampered with.</summary>
    public string Unprotect(string protectedValue)
    {
        var parts = protectedValue.Split('.', 3);
        if (parts.Length != 3 || parts[0] != Version || !_keys.TryGetValue(parts[1], out var key))
        {
            throw new CryptographicException("The value is not protected with a known key (was the secret key changed without listing the previous one in AgentService:Security:PreviousSecretKeys?).");
        }

        var data = Convert.FromBase64String(parts[2]);
        if (data.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The protected value is truncated.");
        }

        var plain = new byte[data.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), plain, Encoding.ASCII.GetBytes(parts[1]));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Whether the value is under another key than the current one (it should be re-encrypted).</summary>
    public bool NeedsRotation(string protectedValue) => !protectedValue.StartsWith($"{Version}.{_currentId}.", StringComparison.Ordinal);

    private static byte[] LoadOrCreateKeyFile(string path)
    {
        if (File.Exists(path))
        {
            return Decode(File.ReadAllText(path).Trim(), path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, Encoding.ASCII, options);
            writer.Write(Convert.ToBase64String(key));
            writer.Flush();
            ((FileStream)writer.BaseStream).Flush(flushToDisk: true);
            return key;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another node or process created it first.
            return Decode(File.ReadAllText(path).Trim(), path);
        }
    }

    private static byte[] Decode(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The secret key in {source} is not base64.");
        }

        return key.Length == 32 ? key : throw new InvalidOperationException($"The secret key in {source} must be 32 bytes (it is {key.Length}).");
    }

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..8];
}
