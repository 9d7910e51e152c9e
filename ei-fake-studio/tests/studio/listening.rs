//! Where a studio listens: an ephemeral port by default, or the port asked
//! for, always on the loopback interface.

use crate::support::Client;
use ei_fake_studio::FakeStudio;
use reqwest::StatusCode;
use std::io::ErrorKind;
use std::net::Ipv4Addr;

#[tokio::test]
async fn a_studio_listens_on_the_port_asked_for_of_the_loopback_interface() {
    // A port that was free a moment ago: bound, read, then released.
    let free_port = {
        let probe = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        probe.local_addr().unwrap().port()
    };
    let studio = FakeStudio::builder().port(free_port).start().await;
    assert_eq!(studio.address().ip(), Ipv4Addr::LOCALHOST);
    assert_eq!(studio.address().port(), free_port);
    assert_eq!(studio.base_url(), format!("http://127.0.0.1:{free_port}/v1"));
    assert_eq!(Client::new(&studio).list(1).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_taken_port_is_an_error_from_try_start_not_a_panic() {
    let holder = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let taken = holder.local_addr().unwrap().port();
    let error = FakeStudio::builder().port(taken).try_start().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse);
}

#[tokio::test]
async fn port_zero_picks_a_free_port_as_start_does() {
    let studio = FakeStudio::builder().port(0).try_start().await.unwrap();
    assert_ne!(studio.address().port(), 0);
    assert_eq!(studio.address().ip(), Ipv4Addr::LOCALHOST);
}
