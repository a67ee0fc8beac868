//! The set of contracts a program knows, for the command line and other dynamic callers.

use crate::contract::{Contract, ContractInfo};

/// The contracts a program knows: `Registry::new().with::<RunState>().with::<App>()`.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    contracts: Vec<&'static ContractInfo>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds contract `C`. Adding one twice keeps the first.
    #[must_use]
    pub fn with<C: Contract>(mut self) -> Self {
        let info = C::info();
        if !self.contracts.iter().any(|c| std::ptr::eq(*c, info)) {
            self.contracts.push(info);
        }
        self
    }

    /// Every contract, in the order they were added.
    pub fn contracts(&self) -> &[&'static ContractInfo] {
        &self.contracts
    }

    /// The contract named `name`.
    pub fn by_name(&self, name: &str) -> Option<&'static ContractInfo> {
        self.contracts.iter().copied().find(|c| c.name == name)
    }

    /// The contract whose `file` is `file_name`.
    pub fn by_file(&self, file_name: &str) -> Option<&'static ContractInfo> {
        self.contracts
            .iter()
            .copied()
            .find(|c| c.file == Some(file_name))
    }
}
