using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VoucherExport.Registry;

namespace VoucherExport.Server.OAuth;

/// <summary>The OAuth services of the server.</summary>
internal static class OAuthServices
{
    /// <summary>
    /// Registers the token codec (keyed from <c>Downloads:Secret</c>), the authenticator of API requests, the OAuth endpoints,
    /// and, unless the host registered one, an in-memory <see cref="IOAuthRevocationStore"/> (enough for one instance).
    /// </summary>
    public static IServiceCollection AddOAuth(this IServiceCollection services, TimeProvider time)
    {
        services.TryAddSingleton<IOAuthRevocationStore>(_ => new InMemoryOAuthRevocationStore(time));
        services.AddSingleton(provider => new OAuthTokens(
            new OAuthTokenCodec(provider.GetRequiredService<ServerOptions>().Downloads.Secret),
            provider.GetRequiredService<IOAuthRevocationStore>(),
            time));
        services.AddSingleton<RequestAuthenticator>();
        services.AddSingleton<OAuthApi>();
        return services;
    }
}
