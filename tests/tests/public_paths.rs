//! The names an application uses are where the README says: at the top of
//! each runtime crate, the same types on all three; the pieces for writing a
//! runtime adapter under `adapter`; JetStream's consume and fetch options
//! under `jetstream::consumer` and `AckKind` at `jetstream`. It fails to
//! compile when a name moves, and fails when two crates' names stop being
//! the same type.

use std::any::TypeId;

/// Asserts that every path names one type.
macro_rules! same_type {
    ($first:ty $(, $other:ty)+ $(,)?) => {
        $(assert_eq!(
            TypeId::of::<$first>(),
            TypeId::of::<$other>(),
            "{} is not {}",
            stringify!($other),
            stringify!($first),
        );)+
    };
}

/// Names one type at the top of every runtime crate.
macro_rules! everywhere {
    ($($name:ident),+ $(,)?) => {
        $(same_type!(
            natrs_client::$name,
            natrs_tokio::$name,
            natrs_async_std::$name,
            natrs_blocking::$name,
        );)+
    };
}

#[test]
fn application_names_are_at_each_runtime_crates_top_level() {
    everywhere!(
        Bytes,
        ClientEvent,
        CloseReason,
        ConnectError,
        ConnectOptions,
        ConnectStep,
        ConnectionState,
        Credentials,
        DisconnectReason,
        DrainError,
        Error,
        FlushError,
        HandshakeError,
        HeaderError,
        HeaderMap,
        JsonError,
        Message,
        PendingLimits,
        PermissionOp,
        ProtocolError,
        RequestError,
        RequestManyOptions,
        Secret,
        ServerAddr,
        ServerError,
        ServerInfo,
        Statistics,
        StatusCode,
        Subject,
        SubjectError,
        SubscriptionEnd,
        TransportError,
        WsError,
    );
    same_type!(
        natrs_client::Payload<'static>,
        natrs_tokio::Payload<'static>
    );
    same_type!(
        natrs_client::Payload<'static>,
        natrs_blocking::Payload<'static>
    );
    // The async crates share the async client; natrs-blocking has its own.
    same_type!(
        natrs_client::Client,
        natrs_tokio::Client,
        natrs_async_std::Client
    );
    same_type!(
        natrs_client::Subscriber,
        natrs_tokio::Subscriber,
        natrs_async_std::Subscriber
    );
    same_type!(
        natrs_client::EventStream,
        natrs_tokio::EventStream,
        natrs_async_std::EventStream
    );
}

#[test]
fn adapter_pieces_are_under_adapter() {
    same_type!(
        natrs_client::adapter::Shared,
        natrs_tokio::adapter::Shared,
        natrs_async_std::adapter::Shared
    );
    same_type!(natrs_client::adapter::Clock, natrs_tokio::adapter::Clock);
    same_type!(
        natrs_client::adapter::DriverDone,
        natrs_async_std::adapter::DriverDone
    );
    let _runtime: Option<natrs_tokio::adapter::TokioRuntime> = None;
    let _transport: Option<natrs_async_std::adapter::AsyncIoTransport> = None;
    let _timer: Option<natrs_async_std::adapter::AsyncIoTimer> = None;
    let text = natrs_client::adapter::tls_error_text(&std::io::Error::other("boom"));
    assert_eq!(text, "boom");
}

#[test]
fn jetstream_names_are_at_their_natural_paths() {
    same_type!(
        natrs_jetstream::consumer::FetchOptions,
        natrs_tokio::jetstream::consumer::FetchOptions,
        natrs_async_std::jetstream::consumer::FetchOptions,
        natrs_blocking::jetstream::consumer::FetchOptions,
    );
    same_type!(
        natrs_jetstream::consumer::ConsumeOptions,
        natrs_blocking::jetstream::consumer::ConsumeOptions,
    );
    same_type!(
        natrs_jetstream::consumer::OrderedOptions,
        natrs_blocking::jetstream::consumer::OrderedOptions,
    );
    same_type!(
        natrs_jetstream::consumer::PriorityOptions,
        natrs_blocking::jetstream::consumer::PriorityOptions,
    );
    same_type!(
        natrs_jetstream::AckKind,
        natrs_tokio::jetstream::AckKind,
        natrs_blocking::jetstream::AckKind,
    );
    // Every public type generic over the transport defaults it to the client.
    same_type!(
        natrs_jetstream::consumer::Messages,
        natrs_jetstream::consumer::Messages<natrs_client::Client>,
    );
    same_type!(
        natrs_jetstream::consumer::Fetch,
        natrs_jetstream::consumer::Fetch<natrs_client::Client>,
    );
    same_type!(
        natrs_jetstream::consumer::PushMessages,
        natrs_jetstream::consumer::PushMessages<natrs_client::Client>,
    );
}
