//! Connects with a `.creds` file (a user JWT and its nkey seed), as issued by
//! an operator/account setup (`nsc`).
//!
//! ```text
//! NATS_URL=nats://127.0.0.1:4222 NATS_CREDS=user.creds cargo run -p natrs-async-std --example async_std_creds
//! ```

use natrs_async_std::ConnectOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let Ok(creds) = std::env::var("NATS_CREDS") else {
        eprintln!("set NATS_CREDS to the path of a .creds file");
        std::process::exit(2);
    };
    async_io::block_on(async {
        let options = ConnectOptions::new()
            .name("natrs-async-std creds example")
            .credentials_file(creds);
        let client = natrs_async_std::connect_with_options(&url, options).await?;
        println!(
            "authenticated to {url}; server {:?}",
            client.server_info().map(|i| i.server_name)
        );
        client.publish("demo.creds", "signed in").await?;
        client.flush().await?;
        client.close().await;
        Ok(())
    })
}
