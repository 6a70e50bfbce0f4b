using System.Security.Cryptography;
using AgentService.Server.Hosting;
using AgentService.Server.Security;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Tests;

public sealed class SecretProtectorTests
{
    private static SecretProtector Create(string key, params string[] previous) => new(
        Options.Create(new SecurityOptions { SecretKey = key, PreviousSecretKeys = [.. previous] }),
        Options.Create(new AgentServiceOptions()));

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Protect_RoundTripsAndNeverShowsThePlaintext()
    {
        var protector = Create(NewKey());

        var sealedValue = protector.Protect("sk-live-very-secret ü");

        Assert.DoesNotContain("secret", sealedValue, StringComparison.Ordinal);
        Assert.StartsWith($"v1.{protector.CurrentKeyId}.", sealedValue);
        Assert.Equal("sk-live-very-secret ü", protector.Unprotect(sealedValue));
        Assert.NotEqual(sealedValue, protector.Protect("sk-live-very-secret ü"));
    }

    [Fact]
    public void Unprotect_RefusesTamperedValuesAndUnknownKeys()
    {
        var protector = Create(NewKey());
        var sealedValue = protector.Protect("value");
        var bytes = Convert.FromBase64String(sealedValue.Split('.')[2]);
        bytes[^1] ^= 1;
        var tampered = string.Join('.', sealedValue.Split('.')[0], sealedValue.Split('.')[1], Convert.ToBase64String(bytes));

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(tampered));
        Assert.ThrowsAny<CryptographicException>(() => Create(NewKey()).Unprotect(sealedValue));
    }

    [Fact]
    public void Rotation_ReadsValuesOfThePreviousKeyAndFlagsThem()
    {
        var oldKey = NewKey();
        var sealedValue = Create(oldKey).Protect("rotate me");
        var rotated = Create(NewKey(), oldKey);

        Assert.Equal("rotate me", rotated.Unprotect(sealedValue));
        Assert.True(rotated.NeedsRotation(sealedValue));
        Assert.False(rotated.NeedsRotation(rotated.Protect("rotate me")));
    }

    [Fact]
    public void BadKeys_StopTheStartWithTheSettingNamed()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Create(Convert.ToBase64String(new byte[16])));
        Assert.Contains("32 bytes", error.Message);
        Assert.Contains("SecretKey", Assert.Throws<InvalidOperationException>(() => Create("not base64 !")).Message);
    }
}
