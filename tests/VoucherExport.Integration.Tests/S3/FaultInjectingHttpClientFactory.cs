using System.Net;
using System.Text;
using Amazon.Runtime;

namespace VoucherExport.Integration.Tests.S3;

/// <summary>
/// An SDK HTTP layer that answers chosen requests with an S3 error of its own instead of sending them, as a store
/// that fails mid-upload would. The error (400 InvalidRequest) is one the SDK does not retry, so tests stay fast.
/// </summary>
internal sealed class FaultInjectingHttpClientFactory(Func<HttpRequestMessage, bool> shouldFail) : HttpClientFactory
{
    private readonly Func<HttpRequestMessage, bool> _shouldFail = shouldFail;
    private int _failed;

    /// <summary>Requests answered with the injected error so far.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
        => new(new Handler(this) { InnerHandler = new HttpClientHandler() });

    /// <summary>Whether <paramref name="request"/> uploads part <paramref name="number"/> of a multipart upload.</summary>
    public static bool IsUploadOfPart(HttpRequestMessage request, int number)
        => request.Method == HttpMethod.Put
            && request.RequestUri!.Query.TrimStart('?').Split('&').Contains($"partNumber={number}");

    private sealed class Handler(FaultInjectingHttpClientFactory owner) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!owner._shouldFail(request))
            {
                return await base.SendAsync(request, cancellationToken);
            }

            Interlocked.Increment(ref owner._failed);
            const string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InvalidRequest</Code><Message>injected by the test</Message></Error>";
            return new HttpResponseMessage(HttpStatusCode.BadRequest)
            {
                RequestMessage = request,
                Content = new StringContent(body, Encoding.UTF8, "application/xml"),
            };
        }
    }
}
