// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Atelier copyright registry
/// @notice Keeps every author's signed claim on a content hash, each with the block time it was
/// anchored. A claim proves "address A claimed content hash H no later than block time T"; it
/// does not prove authorship. Claims are not exclusive: anyone holding a copy of a file can
/// claim its hash under their own address, but that never blocks the artist's own claim, and a
/// verifier sees every claim in the order they were anchored (the first one is index 0).
/// @dev No owner, no constructor arguments, no immutables: deployed through the deterministic
/// CREATE2 deployment proxy (0x4e59b44847b379578588920cA78FbF26c0B4956C) with a fixed salt, it
/// lives at the same address on every EVM chain, and anyone can deploy it on a new one.
/// The typed data is a public format shared with the app (src/shared/registration):
/// domain {name: "Atelier Copyright Registry", version: "1", chainId, verifyingContract}.
/// The domain separator is computed per call from block.chainid, so a fork cannot replay
/// signatures made for another chain. Nonces are random and unordered (signatures made offline
/// are submitted late and in any order); a nonce is spent on use or by cancelNonce.
contract CopyrightRegistry {
    struct CopyrightRegistration {
        bytes32 contentHash;
        bytes8 perceptualHash;
        string title;
        address author;
        uint64 createdAt;
        string licenseId;
        uint256 nonce;
    }

    struct Claim {
        address author;
        bytes8 perceptualHash;
        uint64 createdAt;
        uint64 registeredAt;
        uint256 nonce;
    }

    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant REGISTRATION_TYPEHASH =
        keccak256(
            "CopyrightRegistration(bytes32 contentHash,bytes8 perceptualHash,string title,address author,uint64 createdAt,string licenseId,uint256 nonce)"
        );
    bytes32 private constant NAME_HASH = keccak256("Atelier Copyright Registry");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes4 private constant ERC1271_MAGIC = 0x1626ba7e;
    uint256 private constant HALF_ORDER =
        0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @notice The most claims `claimsOf` returns in one call (page with `offset`).
    uint256 public constant MAX_PAGE = 100;

    /// @dev Every claim on a content hash, in the order they were anchored.
    mapping(bytes32 => Claim[]) private claims;
    /// @dev 1 + the index of `author`'s claim on a content hash (0: none).
    mapping(bytes32 => mapping(address => uint256)) private claimSlot;
    /// @notice Whether `author` has spent `nonce` (by a claim or cancelNonce).
    mapping(address => mapping(uint256 => bool)) public nonceUsed;

    event Registered(
        bytes32 indexed contentHash,
        address indexed author,
        bytes8 perceptualHash,
        uint64 createdAt,
        string title,
        string licenseId,
        uint256 nonce,
        uint256 index,
        address submitter
    );
    event NonceCancelled(address indexed author, uint256 nonce);

    /// @notice `author` already has a claim on `contentHash` (each author claims a hash once).
    error AlreadyClaimed(bytes32 contentHash, address author);
    error InvalidSignature();
    error NonceAlreadyUsed(address author, uint256 nonce);
    error NotAuthor();

    /// @notice The EIP-712 domain separator for this chain and this contract.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The EIP-712 digest a wallet signs for `reg`.
    function hashRegistration(CopyrightRegistration calldata reg) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                REGISTRATION_TYPEHASH,
                reg.contentHash,
                reg.perceptualHash,
                keccak256(bytes(reg.title)),
                reg.author,
                reg.createdAt,
                keccak256(bytes(reg.licenseId)),
                reg.nonce
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @notice Records `reg`, sent by its author.
    function register(CopyrightRegistration calldata reg) external {
        if (msg.sender != reg.author) revert NotAuthor();
        _record(reg);
    }

    /// @notice Records `reg` with the author's EIP-712 signature; anyone may submit it (it is
    /// always recorded as the author's claim, never the submitter's).
    /// EOA signatures are checked with ecrecover, contract wallets with ERC-1271.
    function registerWithSig(CopyrightRegistration calldata reg, bytes calldata signature) external {
        if (!_isValidSignature(reg.author, hashRegistration(reg), signature)) revert InvalidSignature();
        _record(reg);
    }

    /// @notice Voids a signature the sender made but does not want submitted.
    function cancelNonce(uint256 nonce) external {
        if (nonceUsed[msg.sender][nonce]) revert NonceAlreadyUsed(msg.sender, nonce);
        nonceUsed[msg.sender][nonce] = true;
        emit NonceCancelled(msg.sender, nonce);
    }

    /// @notice How many claims `contentHash` has.
    function claimCount(bytes32 contentHash) external view returns (uint256) {
        return claims[contentHash].length;
    }

    /// @notice Up to `limit` (at most MAX_PAGE) claims on `contentHash` from `offset`, in the
    /// order they were anchored.
    function claimsOf(bytes32 contentHash, uint256 offset, uint256 limit) external view returns (Claim[] memory page) {
        Claim[] storage all = claims[contentHash];
        if (offset >= all.length) return new Claim[](0);
        uint256 end = all.length - offset < limit ? all.length : offset + limit;
        if (end - offset > MAX_PAGE) end = offset + MAX_PAGE;
        page = new Claim[](end - offset);
        for (uint256 i = offset; i < end; i++) page[i - offset] = all[i];
    }

    /// @notice `author`'s claim on `contentHash` and its index (found false when there is none).
    function claimOf(bytes32 contentHash, address author) external view returns (bool found, uint256 index, Claim memory claim) {
        uint256 slot = claimSlot[contentHash][author];
        if (slot == 0) return (false, 0, claim);
        return (true, slot - 1, claims[contentHash][slot - 1]);
    }

    function _record(CopyrightRegistration calldata reg) private {
        if (claimSlot[reg.contentHash][reg.author] != 0) revert AlreadyClaimed(reg.contentHash, reg.author);
        if (nonceUsed[reg.author][reg.nonce]) revert NonceAlreadyUsed(reg.author, reg.nonce);
        nonceUsed[reg.author][reg.nonce] = true;
        Claim[] storage list = claims[reg.contentHash];
        list.push(
            Claim({
                author: reg.author,
                perceptualHash: reg.perceptualHash,
                createdAt: reg.createdAt,
                registeredAt: uint64(block.timestamp),
                nonce: reg.nonce
            })
        );
        claimSlot[reg.contentHash][reg.author] = list.length;
        emit Registered(
            reg.contentHash,
            reg.author,
            reg.perceptualHash,
            reg.createdAt,
            reg.title,
            reg.licenseId,
            reg.nonce,
            list.length - 1,
            msg.sender
        );
    }

    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (signer == address(0)) return false;
        if (signature.length == 65) {
            bytes32 r = bytes32(signature[0:32]);
            bytes32 s = bytes32(signature[32:64]);
            uint8 v = uint8(signature[64]);
            if (v < 27) v += 27;
            // Reject malleable (high-s) signatures, as OpenZeppelin's ECDSA does.
            if (uint256(s) <= HALF_ORDER && (v == 27 || v == 28)) {
                if (ecrecover(digest, v, r, s) == signer) return true;
            }
        }
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory result) = signer.staticcall(
            abi.encodeWithSelector(ERC1271_MAGIC, digest, signature)
        );
        return ok && result.length >= 32 && abi.decode(result, (bytes32)) == bytes32(ERC1271_MAGIC);
    }
}
